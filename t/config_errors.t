# Every bad input fails "nginx -t" with the place and the reason.

use strict;
use warnings;
use Test::More;
use lib 't/lib';
use TestNginx;

# A server block holding the given directives; returns (exit, output, t).
sub nginx_t {
    my ($directives, %files) = @_;
    my $t = TestNginx->new(files => \%files, http => <<"HTTP");
    server {
        listen 127.0.0.1:%%PORT%%;
$directives
    }
HTTP
    my ($rc, $out) = $t->test_config;
    return ($rc, $out, $t);
}

# Inline directives: the message names nginx.conf and the line.
my @inline = (
    ['status_policy abc /x;', 'invalid status code "abc"'],
    ['status_policy 41 /x;', 'invalid status code "41"'],
    ['status_policy 200 /x;', 'unsupported status code "200"'],
    ['status_policy 304 /x /y;', 'unsupported status code "304"'],
    ['status_policy 600 /x;', 'unsupported status code "600"'],
    ['status_policy 499 /x;', 'status code 499 is reserved by nginx'],
    ['status_policy 408 = /x;', 'status code 408 cannot be answered: nginx closes the connection for it without a response (444 drops on purpose)'],
    ['status_policy 301 /x;', 'status code 301 requires a target'],
    ['status_policy 308 = /x;', 'status code 308 requires a target'],
    ['status_policy 410 /x /y;', 'status code 410 does not take a target'],
    ['status_policy 444 = /x /y;', 'status code 444 does not take a target'],
    ['status_policy 410 foo;', 'pattern "foo" must start with "/"'],
    ['status_policy 410 = foo;', 'pattern "foo" must start with "/"'],
    ['status_policy 410 ~ "(";',
     'invalid regex "(" at offset 1: missing closing parenthesis'],
    ['status_policy 410 ~* "^/a[";',
     'invalid regex "^/a[" at offset 4: missing terminating ] for character class'],
    ['status_policy 301 /x /new/$1;',
     'target "/new/$1" uses $1, but only regex rules have captures'],
    ['status_policy 301 ~ ^/(a) /new/$2;',
     'target "/new/$2" uses $2, but the regex has 1 capture'],
    ['status_policy 410 = /x a b;',
     'expected CODE [= | ^~ | ~ | ~*] PATTERN [TARGET]'],
);

for my $case (@inline) {
    my ($directive, $reason) = @$case;
    my ($rc, $out, $t) = nginx_t("        $directive");
    is($rc, 1, "nginx -t fails: $directive");
    like($out,
         qr{\[emerg\] status_policy: \Q$reason\E in \Q@{[$t->prefix]}\E/nginx\.conf:\d+},
         "reason and place: $directive");
}

# nginx itself checks the number of arguments
{
    my ($rc, $out) = nginx_t('        status_policy 410;');
    is($rc, 1, 'too few arguments');
    like($out, qr{invalid number of arguments in "status_policy" directive},
         'nginx reports the argument count');
}

# Rules files: the message names the rules file and its line.
my @file = (
    ["410 = /ok\n301 /x\n", 2, 'status code 301 requires a target'],
    ["# comment\n\n410 = /ok\n410 old-page\n", 4,
     'pattern "old-page" must start with "/"'],
    ["410 ~ ^/(\n", 1, 'invalid regex "^/(" at offset 3: missing closing parenthesis'],
    ["410 = \"/unclosed\n", 1, 'unterminated quote'],
    ["410 = /x;\n", 1, 'unexpected ";" at the end of the rule'],
    ["200 = /x\n", 1, 'unsupported status code "200"'],
    ["410 = /x /y\n", 1, 'status code 410 does not take a target'],
    ["410\n", 1, 'expected CODE [= | ^~ | ~ | ~*] PATTERN [TARGET]'],
    ["410 = /a\r\n410 = /b\r\nabc /c\r\n", 3, 'invalid status code "abc"'],
);

for my $case (@file) {
    my ($content, $line, $reason) = @$case;
    my ($rc, $out, $t) = nginx_t('        status_policy_file bad.rules;',
                                 'bad.rules' => $content);
    is($rc, 1, "nginx -t fails: $reason");
    like($out,
         qr{\[emerg\] status_policy_file: \Q@{[$t->prefix]}\E/bad\.rules:$line: \Q$reason\E.* in \Q@{[$t->prefix]}\E/nginx\.conf:\d+},
         "file:line and reason: $reason");
}

# an unreadable rules file
{
    my ($rc, $out, $t) = nginx_t('        status_policy_file missing.rules;');
    is($rc, 1, 'missing rules file');
    like($out,
         qr{status_policy_file: \Q@{[$t->prefix]}\E/missing\.rules: cannot open: No such file or directory},
         'missing file named with the reason');

    ($rc, $out, $t) = nginx_t('        status_policy_file html;',
                              'html/x' => '');
    is($rc, 1, 'a directory as rules file');
    like($out, qr{status_policy_file: \S+/html: cannot read: Is a directory},
         'directory refused');
}

# duplicates, within a file, across files and directives
{
    my ($rc, $out, $t) = nginx_t(
        "        status_policy_file a.rules;\n"
        . "        status_policy_file b.rules;",
        'a.rules' => "410 = /x\n410 /dir/\n",
        'b.rules' => "# b\n410 = /y\n410 ^~ /dir/\n");
    my $p = $t->prefix;
    is($rc, 1, 'duplicate prefix across files');
    like($out,
         qr{status_policy: duplicate rule "/dir/" at \Q$p\E/b\.rules:3, first at \Q$p\E/a\.rules:2},
         'both places named');

    ($rc, $out, $t) = nginx_t(
        "        status_policy 410 = /x;\n        status_policy 404 = /x;");
    is($rc, 1, 'duplicate exact inline');
    like($out, qr{duplicate rule "/x" at \S+/nginx\.conf:\d+, first at \S+/nginx\.conf:\d+},
         'inline duplicates named');

    ($rc, $out) = nginx_t(
        "        status_policy_ignore_case on;\n"
        . "        status_policy 410 = /X;\n        status_policy 410 = /x;");
    is($rc, 1, 'duplicate under ignore_case');

    ($rc, $out) = nginx_t(
        "        status_policy 410 = /x;\n        status_policy 410 /x;\n"
        . "        status_policy 410 ~ ^/x;\n        status_policy 410 ~ ^/x;");
    is($rc, 0, 'exact beside prefix, repeated regexes: no error')
        or diag $out;
}

# status_mask takes 4xx codes other than 404 and 444, each once, or "off"
{
    my @mask = (
        ['status_mask abc;', 'status_mask: invalid status code "abc"'],
        ['status_mask 4031;', 'status_mask: invalid status code "4031"'],
        ['status_mask 403 off;', 'status_mask: invalid status code "off"'],
        ['status_mask 404;', 'status_mask: status code 404 cannot be masked: '
                             . 'only 4xx codes other than 404 and 444 can'],
        ['status_mask 444;', 'status_mask: status code 444 cannot be masked: '
                             . 'only 4xx codes other than 404 and 444 can'],
        ['status_mask 403 500;', 'status_mask: status code 500 cannot be '
                                 . 'masked: only 4xx codes other than 404 '
                                 . 'and 444 can'],
        ['status_mask 301;', 'status_mask: status code 301 cannot be masked: '
                             . 'only 4xx codes other than 404 and 444 can'],
        ['status_mask 403 401 403;',
         'status_mask: status code 403 is listed twice'],
        ["status_mask 403;\n        status_mask 401;",
         '"status_mask" directive is duplicate'],
    );
    for my $case (@mask) {
        my ($directive, $reason) = @$case;
        my ($rc, $out, $t) = nginx_t("        $directive");
        my $p = $t->prefix;
        is($rc, 1, "nginx -t fails: $directive");
        like($out, qr{\[emerg\] \Q$reason\E in \Q$p\E/nginx\.conf:\d+},
             "reason and place: $directive");
    }
    my ($rc, $out) = nginx_t("        status_mask 403 401 405 451;");
    is($rc, 0, 'status_mask with several codes is accepted') or diag $out;
}

# live zones: every bad parameter is named, with the place
{
    my @live = (
        ['status_policy_zone zone=a:16k;',
         'status_policy_zone: invalid zone size "16k", expected at least 64k'],
        ['status_policy_zone zone=a:lots;',
         'status_policy_zone: invalid zone size "lots", expected at least 64k'],
        ['status_policy_zone zone=a;',
         'status_policy_zone: invalid zone "zone=a", expected zone=NAME:SIZE'],
        ['status_policy_zone state=x.state;',
         'status_policy_zone: "zone=NAME:SIZE" is required'],
        ['status_policy_zone zone=a:1m zone=b:1m;',
         'status_policy_zone: duplicate parameter "zone=b:1m"'],
        ['status_policy_zone zone=a:1m state=x state=y;',
         'status_policy_zone: duplicate parameter "state=y"'],
        ['status_policy_zone zone=a:1m state=;',
         'status_policy_zone: empty state file'],
        ['status_policy_zone zone=a:1m size=3;',
         'status_policy_zone: invalid parameter "size=3"'],
        ["status_policy_zone zone=a:1m;\nstatus_policy_zone zone=a:1m;",
         'status_policy_zone: zone "a" is duplicate'],
    );
    for my $case (@live) {
        my ($directive, $reason) = @$case;
        my $t = TestNginx->new(http => "$directive\n"
            . "server { listen 127.0.0.1:%%PORT%%; }\n");
        my ($rc, $out) = $t->test_config;
        my $p = $t->prefix;
        is($rc, 1, "nginx -t fails: $directive");
        like($out, qr{\[emerg\] \Q$reason\E in \Q$p\E/nginx\.conf:\d+},
             "reason and place: $directive");
    }

    my @inline = (
        ["status_policy_use a;\n        status_policy_use a;",
         '"status_policy_use" directive is duplicate'],
        ['location /api/ { status_policy_api write=yes; }',
         'status_policy_api: invalid parameter "write=yes", expected write=on or write=off'],
        ['location /api/ { status_policy_api; status_policy_api; }',
         '"status_policy_api" directive is duplicate'],
    );
    for my $case (@inline) {
        my ($directive, $reason) = @$case;
        my $t = TestNginx->new(http => "status_policy_zone zone=a:1m;\n"
            . "server { listen 127.0.0.1:%%PORT%%;\n        $directive\n}\n");
        my ($rc, $out) = $t->test_config;
        my $p = $t->prefix;
        is($rc, 1, "nginx -t fails: $directive");
        like($out, qr{\[emerg\] \Q$reason\E in \Q$p\E/nginx\.conf:\d+},
             "reason and place: $directive");
    }

    my $t = TestNginx->new(http => <<'HTTP');
    server {
        listen 127.0.0.1:%%PORT%%;
        location / {
            status_policy_use nowhere;
        }
    }
HTTP
    my ($rc, $out) = $t->test_config;
    my $p = $t->prefix;
    is($rc, 1, 'nginx -t fails: status_policy_use with an unknown zone');
    like($out, qr{\[emerg\] status_policy_use: unknown zone "nowhere" in \Q$p\E/nginx\.conf:\d+},
         'reason and place: unknown zone');

    $t = TestNginx->new(http => <<'HTTP');
    server {
        listen 127.0.0.1:%%PORT%%;
        status_policy_use later;
    }
    status_policy_zone zone=later:1m;
HTTP
    ($rc, $out) = $t->test_config;
    is($rc, 0, 'status_policy_use may come before its zone') or diag $out;
}

# spike zones: every bad parameter is named, with the place
{
    my @spike = (
        ['status_spike_zone zone=a:1m window=0s;',
         'status_spike_zone: invalid window "0s", expected a time from 1s to 1d'],
        ['status_spike_zone zone=a:1m window=abc;',
         'status_spike_zone: invalid window "abc", expected a time from 1s to 1d'],
        ['status_spike_zone zone=a:1m threshold=0;',
         'status_spike_zone: invalid threshold "threshold=0", expected a positive number'],
        ['status_spike_zone zone=a:1m threshold=x;',
         'status_spike_zone: invalid threshold "threshold=x", expected a positive number'],
        ['status_spike_zone zone=a:1m factor=0.5;',
         'status_spike_zone: invalid factor "factor=0.5", expected a number from 1 to 1000 with at most two decimals'],
        ['status_spike_zone zone=a:1m factor=abc;',
         'status_spike_zone: invalid factor "factor=abc", expected a number from 1 to 1000 with at most two decimals'],
        ['status_spike_zone zone=a:1m codes=404,200;',
         'status_spike_zone: invalid code "200" in "codes=404,200", expected 400-599'],
        ['status_spike_zone zone=a:1m codes=;',
         'status_spike_zone: invalid code "" in "codes=", expected 400-599'],
        ['status_spike_zone zone=a:16k;',
         'status_spike_zone: zone "a" is too small: 16k, at least'],
        ['status_spike_zone zone=a:200k window=1s history=1h;',
         'status_spike_zone: zone "a" is too small: 200k, at least 366k with 3600 windows of history'],
        ['status_spike_zone zone=a:1m window=1s history=2h;',
         'status_spike_zone: history of 7200 windows of 1000ms is too long, at most 4096 windows'],
        ['status_spike_zone zone=a:1m history=0s;',
         'status_spike_zone: invalid history "0s", expected a time up to 7d'],
        ['status_spike_zone zone=a:1m history=8d;',
         'status_spike_zone: invalid history "8d", expected a time up to 7d'],
        ['status_spike_zone zone=a:1m group_threshold=0;',
         'status_spike_zone: invalid group_threshold "group_threshold=0", expected a positive number'],
        ['status_spike_zone zone=a:1m group_paths=1;',
         'status_spike_zone: invalid group_paths "group_paths=1", expected a number from 2 to 100000'],
        ['status_spike_zone zone=a:1m group_paths=10 group_paths=20;',
         'status_spike_zone: duplicate parameter "group_paths=20"'],
        ['status_spike_zone zone=a:lots;',
         'status_spike_zone: invalid zone size "lots"'],
        ['status_spike_zone zone=a;',
         'status_spike_zone: invalid zone "zone=a", expected zone=NAME:SIZE'],
        ['status_spike_zone window=10s;',
         'status_spike_zone: "zone=NAME:SIZE" is required'],
        ['status_spike_zone zone=a:1m speed=3;',
         'status_spike_zone: invalid parameter "speed=3"'],
        ["status_spike_zone zone=a:1m;\nstatus_spike_zone zone=a:1m;",
         'status_spike_zone: zone "a" is duplicate'],
    );
    for my $case (@spike) {
        my ($directive, $reason) = @$case;
        my $t = TestNginx->new(http => "$directive\n"
            . "server { listen 127.0.0.1:%%PORT%%; }\n");
        my ($rc, $out) = $t->test_config;
        my $p = $t->prefix;
        is($rc, 1, "nginx -t fails: $directive");
        like($out, qr{\[emerg\] \Q$reason\E.* in \Q$p\E/nginx\.conf:\d+},
             "reason and place: $directive");
    }

    my $t = TestNginx->new(http => <<'HTTP');
    server {
        listen 127.0.0.1:%%PORT%%;
        location / {
            status_spike nowhere;
        }
    }
HTTP
    my ($rc, $out) = $t->test_config;
    my $p = $t->prefix;
    is($rc, 1, 'nginx -t fails: status_spike with an unknown zone');
    like($out, qr{\[emerg\] status_spike: unknown zone "nowhere" in \Q$p\E/nginx\.conf:\d+},
         'reason and place: unknown zone');

    $t = TestNginx->new(http => <<'HTTP');
    server {
        listen 127.0.0.1:%%PORT%%;
        status_spike later;
        location / { status_spike off; }
        location /x/ { status_spike later; }
    }
    status_spike_zone zone=later:1m window=30s threshold=50 factor=2.5 codes=404,410,451;
HTTP
    ($rc, $out) = $t->test_config;
    is($rc, 0, 'a zone may be defined after its use; all parameters')
        or diag $out;
}

# status_policy_report: a known format, in a location
{
    my $t = TestNginx->new(http => <<'HTTP');
    server {
        listen 127.0.0.1:%%PORT%%;
        location = /r { status_policy_report xml; }
    }
HTTP
    my ($rc, $out) = $t->test_config;
    my $p = $t->prefix;
    is($rc, 1, 'nginx -t fails: status_policy_report xml');
    like($out, qr{\[emerg\] status_policy_report: invalid format "xml", expected json, prometheus or html in \Q$p\E/nginx\.conf:\d+},
         'reason and place: status_policy_report xml');

    $t = TestNginx->new(http => <<'HTTP');
    server {
        listen 127.0.0.1:%%PORT%%;
        location = /a { status_policy_report; }
        location = /b { status_policy_report json; }
        location = /c { status_policy_report prometheus; }
        location = /d { status_policy_report html; }
    }
HTTP
    ($rc, $out) = $t->test_config;
    is($rc, 0, 'status_policy_report with each format') or diag $out;
}

# status_policy_body, status_soft404, status_policy_cache
{
    my @cases = (
        ['status_policy_body xml;',
         'status_policy_body: invalid value "xml", expected html, json or auto'],
        ['status_soft404 yes;',
         'status_soft404: invalid value "yes", expected off, log or fix'],
        ['status_policy_cache 410;',
         'status_policy_cache: expected CODE ... TIME or off'],
        ['status_policy_cache 410 abc;',
         'status_policy_cache: invalid time "abc"'],
        ['status_policy_cache 200 1d;',
         'status_policy_cache: invalid status code "200", expected 300-599'],
        ['status_policy_cache 444 1d;',
         'status_policy_cache: invalid status code "444", expected 300-599'],
        ['status_policy_cache 410 404 410 1d;',
         'status_policy_cache: status code "410" is given twice'],
        ["status_policy_cache 410 1d;\n        status_policy_cache 404 1m;",
         '"status_policy_cache" directive is duplicate'],
    );
    for my $case (@cases) {
        my ($directive, $reason) = @$case;
        my ($rc, $out, $t) = nginx_t("        $directive");
        my $p = $t->prefix;
        is($rc, 1, "nginx -t fails: $directive");
        like($out, qr{\[emerg\] \Q$reason\E in \Q$p\E/nginx\.conf:\d+},
             "reason and place: $directive");
    }
    my ($rc, $out) = nginx_t("        status_policy_body auto;\n"
                             . "        status_soft404 fix;\n"
                             . "        status_policy_cache 404 410 5m;");
    is($rc, 0, 'body, soft404 and cache accepted') or diag $out;
}

# the on/off directives take nothing else
for my $directive (qw(status_policy_inherit status_policy_ignore_case
                      status_policy_dry_run status_drop_connection))
{
    my ($rc, $out, $t) = nginx_t("        $directive yes;");
    is($rc, 1, "$directive yes: nginx -t fails");
    my $p = $t->prefix;
    like($out, qr{\[emerg\] invalid value "yes" in "$directive" directive, it must be "on" or "off" in \Q$p\E/nginx\.conf:\d+},
         "$directive yes: reason and place");
}

# the same directives are accepted at every level
{
    my $t = TestNginx->new(
        files => { 'ok.rules' => "410 = /a\n" },
        http => <<'HTTP');
    status_policy 410 /http/;
    status_policy_file ok.rules;
    status_policy_inherit on;
    status_policy_ignore_case off;
    status_policy_dry_run off;
    status_drop_connection off;
    status_mask 403;
    server {
        status_mask off;
        status_drop_connection on;
        listen 127.0.0.1:%%PORT%%;
        status_policy 410 /server/;
        status_policy_file ok.rules;
        location / {
            status_policy 410 /location/;
            status_policy_file ok.rules;
            status_policy_inherit off;
            status_policy_ignore_case on;
            status_policy_dry_run on;
            status_drop_connection off;
            status_mask 403 401;
        }
    }
HTTP
    my ($rc, $out) = $t->test_config;
    is($rc, 0, 'every directive at http, server and location') or diag $out;
}

done_testing;

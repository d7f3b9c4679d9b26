# status-policy-check: lint, explain and replay without nginx; replay also
# against the access log of a real nginx running the same rules.

use strict;
use warnings;
use Test::More;
use Cwd ();
use File::Temp qw(tempdir);
use JSON::PP ();
use lib 't/lib';
use TestNginx;

my $tool = $ENV{STATUS_POLICY_CHECK}
    || "$TestNginx::ROOT/build/status-policy-check";
plan skip_all => "no $tool (make check-tool)" unless -x $tool;

my $dir = tempdir('sptest-XXXXXX', TMPDIR => 1, CLEANUP => 1);

sub write_rules {
    my ($name, $text) = @_;
    open my $fh, '>', "$dir/$name" or die $!;
    print $fh $text;
    close $fh;
    return "$dir/$name";
}

sub run {
    my $out = `'$tool' @{[ map { "'$_'" } @_ ]} 2>&1`;
    return ($? >> 8, $out);
}

# stdout and stderr apart; $opt->{stdin}: a file to read from
sub run_apart {
    my ($opt, @args) = ref $_[0] ? @_ : ({}, @_);
    my $in = $opt->{stdin} ? "< '$opt->{stdin}'" : '< /dev/null';
    my $out = `'$tool' @{[ map { "'$_'" } @args ]} $in 2>'$dir/stderr'`;
    my $rc = $? >> 8;
    open my $fh, '<', "$dir/stderr" or die $!;
    my $err = do { local $/; <$fh> };
    return ($rc, $out, $err);
}

my $good = write_rules('good.rules', <<'RULES');
410 = /about-2019.html
410 /old-blog/
410 ^~ /archive/
410 ~ ^/cgi-bin/.*\.pl$
301 /docs/v1/ /docs/v2/
301 ~* ^/blog/(\d{4})/(.*)\.html$ /posts/$1/$2/
RULES
my $bad = write_rules('bad.rules', "410 = /a\n301 /b\n");
my $dup = write_rules('dup.rules', "410 = /a\n# x\n410 = /a\n");

my ($rc, $out) = run('lint', $good);
is($rc, 0, 'lint: good file');
is($out, "6 rules, no errors\n", 'lint: count');

($rc, $out) = run('lint', $bad);
is($rc, 1, 'lint: bad file exits 1');
is($out, "$bad:2: status code 301 requires a target\n",
   'lint: file:line: reason, as nginx -t says it');

($rc, $out) = run('lint', $dup);
is($rc, 1, 'lint: duplicate');
is($out, "duplicate rule \"/a\" at $dup:3, first at $dup:1\n",
   'lint: duplicate names both lines');

($rc, $out) = run('lint', "$dir/none.rules");
is($rc, 1, 'lint: missing file');
like($out, qr{none\.rules: cannot open: No such file or directory},
     'lint: missing file reason');

($rc, $out) = run('explain', $good, '/old-blog/2020/post');
is($rc, 0, 'explain: a match');
is($out, "/old-blog/2020/post: $good:2: 410 /old-blog/ (prefix match)\n"
         . "  why: the longest matching prefix, and no regex matches\n",
   'explain: source, line, rule, kind and why');

($rc, $out) = run('explain', $good, '/BLOG/2019/launch.html');
like($out, qr{^/BLOG/2019/launch\.html: \Q$good\E:6: 301 ~\* .* \(regex \(~\*\) match\)\n  Location: /posts/2019/launch/\n  why: },
     'explain: redirect target after substitution');

($rc, $out) = run('explain', $good, '/archive/cgi-bin/x.pl');
like($out, qr{:3: 410 \^~ /archive/ \(prefix \(\^~\) match\)}, 'explain: ^~ wins');

($rc, $out) = run('explain', $good, '/nothing');
is($rc, 1, 'explain: no match exits 1');
is($out, "/nothing: no rule matches\n", 'explain: no match');

($rc, $out) = run('explain', '-i', $good, '/ABOUT-2019.HTML');
like($out, qr{:1: 410 = /about-2019\.html \(exact match\)}, 'explain -i');

($rc, $out) = run('frobnicate', $good);
is($rc, 2, 'unknown command: usage');

explain_why();
replay_counts();
replay_errors();
replay_against_nginx();

done_testing;

# explain says why the rule wins and names every matching rule it beat,
# with the reason under nginx's precedence.
sub explain_why {
    my $r = write_rules('why.rules', <<'RULES');
410 /o
410 = /about-2019.html
410 /old/
410 ^~ /old/archive/
444 ~ ^/old/.*\.php$
404 ~* \.PHP$
410 ^~ /a/
410 /a/b/
403 ~ ^/(a+)+$
RULES

    my ($rc, $out) = run('explain', $r, '/old/archive/x.php');
    is($rc, 0, 'explain why: ^~ match');
    is($out, <<"OUT", 'explain why: ^~ stops the regex search, longer prefix wins');
/old/archive/x.php: $r:4: 410 ^~ /old/archive/ (prefix (^~) match)
  why: the longest matching prefix, and its ^~ stops the regex search
  beat: /old/ (prefix, $r:3) — a longer prefix wins
  beat: /o (prefix, $r:1) — a longer prefix wins
  beat: ~ ^/old/.*\\.php\$ (regex, $r:5) — ^~ prefix stops the regex search
  beat: ~* \\.PHP\$ (regex, $r:6) — ^~ prefix stops the regex search
OUT

    ($rc, $out) = run('explain', $r, '/old/x.php');
    is($out, <<"OUT", 'explain why: a regex wins over the prefixes it beat');
/old/x.php: $r:5: 444 ~ ^/old/.*\\.php\$ (regex match)
  why: the first regex in rules order that matches; regexes are tried because the longest matching prefix has no ^~
  beat: /old/ (prefix, $r:3) — a matching regex wins over a prefix without ^~
  beat: /o (prefix, $r:1) — a longer prefix is remembered instead, and a regex wins over it
  beat: ~* \\.PHP\$ (regex, $r:6) — an earlier regex matches first
OUT

    ($rc, $out) = run('explain', $r, '/about-2019.html');
    is($out, <<"OUT", 'explain why: exact wins over everything');
/about-2019.html: $r:2: 410 = /about-2019.html (exact match)
  why: an exact match wins over everything
OUT

    ($rc, $out) = run('explain', $r, '/a/b/x.php');
    like($out, qr{^  beat: \^~ /a/ \(prefix, \Q$r\E:7\) — its \^~ does not count: a longer prefix matches, so regexes are tried$}m,
         'explain why: a shorter ^~ prefix matched, but a regex won');
    like($out, qr{^/a/b/x\.php: \Q$r\E:6: 404 }, 'explain why: the ~* regex won');

    ($rc, $out) = run('explain', $r, '/a/b/c');
    like($out, qr{^  beat: \^~ /a/ \(prefix, \Q$r\E:7\) — a longer prefix wins; \^~ counts only on the longest matching prefix$}m,
         'explain why: ^~ counts only on the longest prefix');

    my $redos = '/' . ('a' x 40) . 'b';
    ($rc, $out) = run('explain', $r, $redos);
    is($rc, 1, 'explain why: nothing matches');
    is($out, "$redos: no rule matches\n"
             . "  skipped: ~ ^/(a+)+\$ (regex, $r:9) — ran into the PCRE2 match limit, which counts as no match\n",
       'explain why: a regex that hit the match limit is named');

    ($rc, $out) = run('explain', '--ignore-case', $r, '/OLD/Archive/x');
    like($out, qr{:4: 410 \^~ /old/archive/ \(prefix \(\^~\) match\)\n  why: .*\n  beat: /old/ .*\n  beat: /o }s,
         'explain why: --ignore-case folds prefixes');
}


sub replay_rules {
    return write_rules('replay.rules', <<'RULES');
410 = /about-2019.html
410 /old-blog/
410 ^~ /archive/
444 ~ ^/cgi-bin/.*\.pl$
301 /docs/v1/ /docs/v2/
404 ~* \.env$
RULES
}

sub combined {
    my ($request, $status) = @_;
    return qq{203.0.113.9 - - [22/Nov/2026:10:00:00 +0000] "$request" }
         . qq{$status 153 "-" "Mozilla/5.0"\n};
}

# Each line's expectation: the rule (line in replay.rules) or what else.
sub replay_log {
    my @lines = (
        combined('GET /old-blog/2019/post HTTP/1.1', 200),                     # 2
        combined('GET http://example.com/old-blog/2019/post?utm=x HTTP/1.1', 410), # 2, absolute-form
        combined('GET /%6Fld-blog/2019/post HTTP/1.1', 200),                   # 2, encoded
        combined('GET /x/../old-blog//2020/a HTTP/2.0', 200),                  # 2, dot segment
        combined('GET /about-2019.html?ref=1 HTTP/1.1', 410),                  # 1, query
        combined('GET /archive/cgi-bin/x.pl HTTP/1.1', 410),                   # 3, ^~
        combined('GET /cgi-bin/a.pl HTTP/1.0', 200),                           # 4
        combined('GET /docs/v1/intro HTTP/1.1', 301),                          # 5
        combined('GET /app/.ENV HTTP/1.1', 200),                               # 6, ~*
        combined('GET /old-blog/x\x22y HTTP/1.1', 200),                        # 2, escaped quote
        combined('GET /old-blog/2019/post', 200),                              # 2, HTTP/0.9
        "garbage, not a log line\n",                                           # unparsed
        combined('GET /../etc/passwd HTTP/1.1', 400),                          # invalid
        combined('GET /a%zz HTTP/1.1', 400),                                   # invalid
        combined('\x16\x03\x01\x00\xA5', 400),                                 # invalid
        combined('GET /index.html HTTP/1.1', 200),                             # no rule
        combined('GET /Old-Blog/x HTTP/1.1', 200),                             # no rule, 2 with -i
        "\n",                                                                  # unparsed
        combined('POST /old-blog/x', 400),                                     # invalid
        combined('GET /old-blog/2019/post?x HTTP/1.1', 200),                   # 2
    );
    my $log = "$dir/access.log";
    open my $fh, '>', $log or die $!;
    print $fh @lines;
    close $fh;
    return $log;
}

sub replay_counts {
    my $r = replay_rules();
    my $log = replay_log();

    my ($rc, $out, $err) = run_apart('replay', $r, $log);
    is($rc, 0, 'replay: exit 0');
    is($err, '', 'replay: nothing on stderr');
    like($out, qr{^replay of \Q$log\E: 20 lines\n}, 'replay: lines read');
    my %summary = $out =~ /^  (requests|unparsed|invalid|rule hits|no rule|changed) +(\d+)/mg;
    is_deeply(\%summary, { requests => 18, unparsed => 2, invalid => 4,
                           'rule hits' => 12, 'no rule' => 2, changed => 8 },
              'replay: summary counts');
    like($out, qr{^  unparsed +2  \(lines 12, 18\)$}m, 'replay: unparsed lines named');

    my %rows = $out =~ /^  \Q$r\E:(\d) +(\d+ +\d+ +\d+  .*)$/mg;
    unlike($out, qr{without hits}, 'replay: every rule was hit');
    s/ +/ /g for values %rows;
    is_deeply(\%rows, {
        1 => '410 1 0 = /about-2019.html',
        2 => '410 7 6 /old-blog/',
        3 => '410 1 0 ^~ /archive/',
        4 => '444 1 1 ~ ^/cgi-bin/.*\.pl$',
        5 => '301 1 0 /docs/v1/ /docs/v2/',
        6 => '404 1 1 ~* \.env$',
    }, 'replay: code, hits, changed and pattern per rule');
    like($out, qr{^  \Q$r\E:2 .*\n      5  /old-blog/2019/post\n      1  /old-blog/2020/a\n      1  /old-blog/x"y\n  \Q$r\E:}m,
         'replay: top paths of a rule, normalized, most hits first');

    my ($codes) = $out =~ /^per code:\n((?:  .*\n)+)/m;
    is($codes, <<'CODES', 'replay: requests per code');
  CODE     REQUESTS  CHANGED
  301             1        0
  404             1        1
  410             9        6
  444             1        1
  no rule         2        -
  invalid         4        -
CODES
    like($out, qr{^invalid requests:\n(  1  .*\n){4}\z}m, 'replay: invalid requests listed');
    like($out, qr{^  1  "GET /\.\./etc/passwd HTTP/1\.1": "\.\." above the root$}m,
         'replay: invalid path with the reason');
    like($out, qr{^  1  "\\x16\\x03\\x01\\x00\\xA5": invalid method$}m,
         'replay: binary request shown escaped');
    like($out, qr{^  1  "POST /old-blog/x": HTTP/0\.9 allows only GET$}m,
         'replay: HTTP/0.9 POST');

    ($rc, $out, $err) = run_apart('replay', '--top', '1', $r, $log);
    like($out, qr{^  \Q$r\E:2 .*\n      5  /old-blog/2019/post\n  \Q$r\E:}m,
         'replay --top 1: one path per rule');

    my $unused = write_rules('unused.rules', "410 /never/\n444 = /nope\n");
    ($rc, $out, $err) = run_apart('replay', $r, $unused, $log);
    like($out, qr{^  and 2 rules without hits \(--json lists every rule\)$}m,
         'replay: rules without hits are counted, not listed');
    unlike($out, qr{^  \Q$unused\E:}m, 'replay: no row for a rule without hits');

    ($rc, $out, $err) = run_apart('replay', '--ignore-case', $r, $log);
    like($out, qr{^  rule hits +13$}m, 'replay --ignore-case: prefix folds');
    like($out, qr{^  changed +9  }m, 'replay --ignore-case: changed');

    ($rc, $out, $err) = run_apart('replay', '--json', $r, $log);
    is($rc, 0, 'replay --json: exit 0');
    my $json = eval { JSON::PP->new->decode($out) };
    ok($json, 'replay --json: valid JSON') or diag($@);
    $json //= {};
    is_deeply({ map { $_ => $json->{$_} }
                qw(lines requests unparsed unparsed_lines invalid matched
                   no_rule changed match_limit) },
              { lines => 20, requests => 18, unparsed => 2,
                unparsed_lines => [12, 18], invalid => 4, matched => 12,
                no_rule => 2, changed => 8, match_limit => 0 },
              'replay --json: summary');
    is_deeply($json->{codes}, {
        301 => { requests => 1, changed => 0 },
        404 => { requests => 1, changed => 1 },
        410 => { requests => 9, changed => 6 },
        444 => { requests => 1, changed => 1 },
    }, 'replay --json: codes');
    is(scalar @{ $json->{rules} // [] }, 6, 'replay --json: every rule');
    is_deeply($json->{rules}[1], {
        rule => "$r:2", code => 410, kind => 'prefix', pattern => '/old-blog/',
        target => '', hits => 7, changed => 6, match_limit => 0,
        top => [ { path => '/old-blog/2019/post', hits => 5 },
                 { path => '/old-blog/2020/a', hits => 1 },
                 { path => '/old-blog/x"y', hits => 1 } ],
    }, 'replay --json: a rule, with its paths escaped');
    is_deeply([ map { "$_->{count} $_->{reason}" } @{ $json->{invalid_requests} } ],
              [ '1 invalid method', '1 ".." above the root',
                '1 invalid percent-escape', '1 HTTP/0.9 allows only GET' ],
              'replay --json: invalid requests with reasons, ties by request');
    is($json->{invalid_requests}[0]{request}, "\x16\x03\x01\x00\x{FFFD}",
       'replay --json: bytes that are not UTF-8 become U+FFFD');

    my ($rc2, $out2) = run_apart({ stdin => $log }, 'replay', '--json', $r, '-');
    my $from_stdin = eval { JSON::PP->new->decode($out2) } // {};
    is($from_stdin->{log}, 'standard input', 'replay -: reads standard input');
    delete $_->{log} for $json, $from_stdin;
    is_deeply($from_stdin, $json, 'replay -: the same counts');
}

sub replay_errors {
    my $r = replay_rules();
    my $log = replay_log();

    my ($rc, $out, $err) = run_apart('replay', $bad, $log);
    is($rc, 1, 'replay: a bad rules file exits 1');
    is($err, "$bad:2: status code 301 requires a target\n",
       'replay: errors as lint prints them');
    is($out, '', 'replay: no report then');

    ($rc, $out, $err) = run_apart('replay', $r, "$dir/none.log");
    is($rc, 1, 'replay: missing log exits 1');
    like($err, qr{none\.log: cannot open: No such file or directory}, 'replay: missing log reason');

    for my $case ([ ['replay', $r], 'no log' ],
                  [ ['replay', '--top', 'x', $r, $log], 'bad --top' ],
                  [ ['replay', '--top'], '--top without a number' ],
                  [ ['replay', '--frob', $r, $log], 'unknown option' ],
                  [ ['explain', '--json', $r, '/a'], '--json for explain' ],
                  [ ['unused', $r], 'no state file' ],
                  [ ['unused', '--since', '3x', $r, $log], 'bad --since' ],
                  [ ['unused', '--since=0d', $r, $log], '--since of zero' ],
                  [ ['unused', '--top', '3', $r, $log], '--top for unused' ],
                  [ ['lint', '--since', '1d', $r], '--since for lint' ],
                  [ [], 'no command' ]) {
        my ($args, $name) = @$case;
        ($rc, $out, $err) = run_apart(@$args);
        is($rc, 2, "usage error: $name");
        like($err, qr{^status-policy-check: .*\nusage: status-policy-check lint}, "usage on stderr: $name");
    }

    ($rc, $out, $err) = run_apart('--help');
    is($rc, 0, '--help exits 0');
    like($out, qr{status-policy-check replay \[-i\] \[--json\] \[--top N\] FILE\.\.\. ACCESS_LOG}, '--help names replay');
    like($out, qr{status-policy-check unused \[-i\] \[--since TIME\] \[--json\] FILE\.\.\. STATE}, '--help names unused');

    ($rc, $out, $err) = run_apart('unused', $r, $log);
    is($rc, 1, 'unused: a file that is no state exits 1');
    like($err, qr{: line 1: not a status_policy hits state file$}, 'unused: says so');
}

# The log of a real nginx running the same rules: replay must predict
# every status the module gave, so that no answer "changes".
sub replay_against_nginx {
    SKIP: {
        skip 'no nginx or module', 6
            unless -x $TestNginx::NGINX && -f $TestNginx::MODULE;
        # nginx -p would take a relative module path as relative to the prefix
        local $TestNginx::MODULE = Cwd::abs_path($TestNginx::MODULE);

        my $t = TestNginx->new(
            files => { 'replay.rules' => slurp_file(replay_rules()) },
            http => <<'HTTP');
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name localhost;
        access_log %%PREFIX%%/combined.log combined;
        status_policy_file replay.rules;
        location / { return 200 "ok\n"; }
    }
HTTP
        $t->start;

        my @requests = (
            'GET /old-blog/a HTTP/1.1', 'GET /%6Fld-blog/a HTTP/1.1',
            'GET //old-blog//a HTTP/1.1', 'GET /x/../old-blog/a HTTP/1.1',
            'GET /x/%2e%2e/old-blog/a HTTP/1.1', 'GET /old-blog%2Fa HTTP/1.1',
            'GET /old-blog/./a?q=1 HTTP/1.1', 'GET /old-blog HTTP/1.1',
            'GET http://example.com/old-blog/a HTTP/1.1',
            'GET http://example.com HTTP/1.1',
            'GET http://example.com?old-blog/ HTTP/1.1',
            'GET https://EXAMPLE.com:8443/about-2019.html HTTP/1.1',
            'GET /about-2019.html HTTP/1.0', 'GET /about-2019.html/ HTTP/1.1',
            'GET /about-2019.html#x HTTP/1.1', 'GET /about-2019%2ehtml HTTP/1.1',
            'GET /archive/cgi-bin/x.pl HTTP/1.1', 'GET /cgi-bin/x.pl HTTP/1.1',
            'GET /cgi-bin/%78.pl HTTP/1.1', 'GET /docs/v1/a?b=c HTTP/1.1',
            'GET /site/.Env HTTP/1.1', 'GET /old-blog/a"b HTTP/1.1',
            'GET /old-blog/a\\b HTTP/1.1', "GET /old-blog/\xc3\xa9 HTTP/1.1",
            'GET /old-blog/%0a HTTP/1.1', 'GET /old-blog/a', 'POST /old-blog/a',
            'GET /../old-blog/a HTTP/1.1', 'GET /old-blog/%2e%2e/%2e%2e/x HTTP/1.1',
            'GET /old-blog/%zz HTTP/1.1', 'GET /old-blog/%00 HTTP/1.1',
            'GET /old-blog/a b HTTP/1.1', "GET /old-blog/\t HTTP/1.1",
            'GET http://user@example.com/old-blog/a HTTP/1.1',
            'GET * HTTP/1.1', 'get /old-blog/a HTTP/1.1', 'GET /a HTTP/1',
            "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
            'GET /index.html HTTP/1.1', 'GET /Old-Blog/a HTTP/1.1',
        );
        $t->raw("$_\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                timeout => 2) for @requests;

        # every request is logged once its connection is done
        my $log = "$t->{prefix}/combined.log";
        my $logged = sub { scalar(() = $t->slurp('combined.log') =~ /\n/g) };
        for (1 .. 100) { last if $logged->() >= @requests; select(undef, undef, undef, 0.05) }
        is($logged->(), scalar @requests, 'nginx logged every request');

        my %status;
        my $logged_text = $t->slurp('combined.log');
        $status{$1}++ while $logged_text =~ /" (\d{3}) \d+ "/g;

        my ($rc, $out) = run_apart('replay', '--json', "$t->{prefix}/replay.rules", $log);
        my $json = eval { JSON::PP->new->decode($out) } // {};
        is($json->{unparsed}, 0, 'every line of nginx\'s log parsed');
        is($json->{changed}, 0, 'replay predicts every status the module gave')
            or diag($out);
        is($json->{invalid}, $status{400} // 0, 'invalid requests are nginx\'s 400s');
        is($json->{no_rule}, $status{200} // 0, 'no rule where nginx answered 200');
        is_deeply({ map { $_ => $json->{codes}{$_}{requests} } keys %{ $json->{codes} // {} } },
                  { map { $_ => $status{$_} } grep { $_ != 200 && $_ != 400 } keys %status },
                  'per code, the statuses nginx logged');
    }
}

sub slurp_file {
    my ($path) = @_;
    open my $fh, '<', $path or die "$path: $!";
    local $/;
    return scalar <$fh>;
}

# Every rule form and every class of code, inline and from a file.

use strict;
use warnings;
use Test::More;
use lib 't/lib';
use TestNginx;

my $t = TestNginx->new(
    files => {
        'html/gone.html' => "custom gone page\n",
        'html/index.html' => "index\n",
        'rules/site.rules' => <<'RULES',
# a rules file
410 = /file/exact
410 /file/prefix/
410 ^~ /file/stop/
410 ~ ^/file/re/\d+$
410 ~* ^/file/ci/
503 = /file/503
RULES
    },
    http => <<'HTTP');
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name localhost;
        absolute_redirect off;
        root %%PREFIX%%/html;

        status_policy_file rules/site.rules;

        status_policy 410 = /exact;
        status_policy 410 /prefix/;
        status_policy 404 = /four-oh-four;
        status_policy 451 = /legal;
        status_policy 503 = /unavailable;
        status_policy 444 = /drop;
        status_policy 301 = /moved-301 /new-301;
        status_policy 302 = /moved-302 /new-302;
        status_policy 303 = /moved-303 /new-303;
        status_policy 307 = /moved-307 /new-307;
        status_policy 308 = /moved-308 /new-308;
        status_policy 410 = /custom;

        location = /custom {
            error_page 410 /gone.html;
        }

        location = /gone.html {
        }

        location = /nginx-503 {
            return 503;
        }

        location / {
            return 200 "served $uri\n";
        }
    }
HTTP

$t->start;

sub status_of { $t->get(shift)->{status} }

# inline forms
is(status_of('/exact'), 410, 'exact rule');
is(status_of('/exact/x'), 200, 'exact rule does not match longer paths');
is(status_of('/prefix/a/b'), 410, 'prefix rule');
is(status_of('/prefix'), 200, 'prefix rule needs its whole prefix');

# file forms
is(status_of('/file/exact'), 410, 'file: exact');
is(status_of('/file/prefix/x'), 410, 'file: prefix');
is(status_of('/file/stop/x'), 410, 'file: ^~ prefix');
is(status_of('/file/re/123'), 410, 'file: regex');
is(status_of('/file/re/12a'), 200, 'file: regex anchored at the end');
is(status_of('/FILE/CI/x'), 410, 'file: caseless regex');
is(status_of('/file/503'), 503, 'file: other code');

# codes and their pages
my $r = $t->get('/exact');
like($r->{body}, qr{<title>410 Gone</title>}, "nginx's built-in 410 page");
is($r->{reason}, 'Gone', '410 reason phrase');

$r = $t->get('/four-oh-four');
is($r->{status}, 404, '404 rule');
like($r->{body}, qr{404 Not Found}, '404 page');

$r = $t->get('/legal');
is($r->{status}, 451, '451 rule');
is($r->{reason}, 'Unavailable For Legal Reasons', '451 reason phrase');
like($r->{body}, qr{<title>451 Unavailable For Legal Reasons</title>},
     '451 page');
is($r->{headers}{'content-type'}, 'text/html', '451 content type');
is($r->{headers}{'content-length'}, length $r->{body}, '451 length');

$r = $t->get('/unavailable');
is($r->{status}, 503, '503 rule');
# the page nginx itself sends for 503, whatever it calls it (nginx says
# "Service Temporarily Unavailable", freenginx and Angie "Service
# Unavailable")
my $own = $t->get('/nginx-503');
like($r->{body}, qr{<title>503 Service}, '503 page');
is($r->{body}, $own->{body}, "503 page: nginx's own");
is($r->{reason}, $own->{reason}, "503 reason: nginx's own");

# 444: nothing at all comes back, and the connection is closed
my $raw = $t->raw("GET /drop HTTP/1.1\r\nHost: localhost\r\n\r\n");
is(length $raw, 0, '444 sends zero bytes');

# redirects
for my $code (301, 302, 303, 307, 308) {
    $r = $t->get("/moved-$code");
    is($r->{status}, $code, "$code rule");
    is($r->{headers}{location}, "/new-$code", "$code Location");
}

# error_page applies to the rule's code
$r = $t->get('/custom');
is($r->{status}, 410, 'error_page keeps the code');
is($r->{body}, "custom gone page\n", 'error_page 410 serves the custom page');

# HEAD gets the status without a body
$r = $t->get('/legal', method => 'HEAD');
is($r->{status}, 451, 'HEAD 451');

like($t->access_log,
     qr{^410 "GET /file/exact HTTP/1.1" rule=\Q@{[$t->prefix]}\E/rules/site\.rules:2 action=gone$}m,
     'access log names the file and line');
like($t->access_log,
     qr{^451 "GET /legal HTTP/1.1" rule=\Q@{[$t->prefix]}\E/nginx\.conf:\d+ action=status$}m,
     'access log names nginx.conf for inline rules');
like($t->access_log, qr{^301 "GET /moved-301 HTTP/1.1" rule=\S+ action=redirect$}m,
     'redirect action');
like($t->wait_for_log(qr{^444 "GET /drop HTTP/1.1" rule=\S+ action=drop$}m,
                      'access.log') // '', qr/drop/, 'drop action');
like($t->access_log, qr{^200 "GET /exact/x HTTP/1.1" rule=- action=-$}m,
     'no rule: variables not found');

done_testing;

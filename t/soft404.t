# status_soft404: "error_page 404 = /target" answering 200 for pages that
# do not exist; "log" warns once per path, "fix" keeps the 404.

use strict;
use warnings;
use Test::More;
use lib 't/lib';
use TestNginx;

my $t = TestNginx->new(
    ports => 3,
    files => { 'html/index.html' => "home page\n",
               'html/log/real.html' => "a real page\n" },
    http => <<'HTTP');
    server {
        listen 127.0.0.1:%%PORT%%;
        listen 127.0.0.1:%%PORT2%% http2;
        server_name localhost;
        root %%PREFIX%%/html;

        location /log/ {
            status_soft404 log;
            error_page 404 = /index.html;
        }

        location /log-proxied/ {
            status_soft404 log;
            error_page 404 = /fallback;
        }

        location /fix/ {
            status_soft404 fix;
            error_page 404 = /index.html;
        }

        location /fix-proxied/ {
            status_soft404 fix;
            error_page 404 = /fallback;
        }

        location /plain/ {
            error_page 404 = /index.html;
        }

        location = /fallback {
            internal;
            proxy_pass http://127.0.0.1:%%PORT3%%/app-shell;
        }
    }

    server {
        listen 127.0.0.1:%%PORT3%%;
        location / {
            return 200 "app shell\n";
        }
    }
HTTP

$t->start;

sub warnings_for {
    my ($path) = @_;
    return scalar(() = $t->error_log
        =~ /\[warn\] .*status_policy: soft 404: "\Q$path\E"/g);
}

{
    my $r = $t->get('/plain/missing');
    is($r->{status}, 200, 'without the guard, a missing page answers 200');
    is($r->{body}, "home page\n", '... with the target');
}

{
    my $r;
    $r = $t->get('/log/missing') for 1 .. 3;
    is($r->{status}, 200, 'log: the response is left alone');
    is($r->{body}, "home page\n", 'log: the target body');
    ok($t->wait_for_log(qr{\[warn\] .*status_policy: soft 404: "/log/missing" does not exist but is answered 200 by the error_page target "/index\.html"}),
       'log: a warning with the path and the target');
    is(warnings_for('/log/missing'), 1, 'log: once per path');

    $t->get('/log/other%0Aforged');
    ok($t->wait_for_log(qr{soft 404: "/log/other\\x0Aforged"}),
       'log: another path, another warning; the path escaped');

    $r = $t->get('/log/real.html');
    is($r->{body}, "a real page\n", 'log: a real page is served');
    is(warnings_for('/log/real.html'), 0, 'log: and not warned about');

    $r = $t->get('/log-proxied/missing');
    is($r->{status}, 200, 'log, proxied target: 200');
    is($r->{body}, "app shell\n", 'log, proxied target: its body');
    ok($t->wait_for_log(qr{soft 404: "/log-proxied/missing" does not exist but is answered 200 by the error_page target "/fallback"}),
       'log, proxied target: warned');
}

{
    my $r = $t->get('/fix/missing');
    is($r->{status}, 404, 'fix: the 404 is kept');
    is($r->{body}, "home page\n", "fix: with the target's body");

    $r = $t->get('/fix-proxied/missing');
    is($r->{status}, 404, 'fix, proxied target: 404');
    is($r->{body}, "app shell\n", "fix, proxied target: the upstream's body");

    my $h2 = $t->h2('/fix/missing');
    is($h2->{status}, 404, 'fix over HTTP/2: 404');
    is($h2->{body}, "home page\n", 'fix over HTTP/2: the body');

    $h2 = $t->h2('/plain/missing');
    is($h2->{status}, 200, 'control over HTTP/2: 200 without the guard');

    is(warnings_for('/fix/missing'), 0, 'fix: no warning needed');
}

done_testing;

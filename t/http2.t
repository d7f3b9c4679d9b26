# HTTP/2 (h2c with prior knowledge) and HTTP/1.1 keep-alive.

use strict;
use warnings;
use Test::More;
use lib 't/lib';
use TestNginx;

my $t = TestNginx->new(
    files => { 'html/gone.html' => "gone page\n" },
    http => <<'HTTP');
    server {
        listen 127.0.0.1:%%PORT%%;
        listen 127.0.0.1:%%PORT2%% http2;
        server_name localhost;
        absolute_redirect off;
        root %%PREFIX%%/html;

        status_policy 410 /gone/;
        status_policy 410 = /custom-gone;
        status_policy 451 = /legal;
        status_policy 301 /moved/ /new/;
        status_policy 444 = /drop;

        location = /custom-gone {
            error_page 410 /gone.html;
        }

        location = /gone.html {
        }

        location / {
            return 200 "served $uri\n";
        }
    }
HTTP

$t->start;

my $r = $t->h2('/gone/x');
is($r->{exit}, 0, 'h2: curl ok');
is($r->{status}, 410, 'h2: 410');
like($r->{body}, qr{410 Gone}, 'h2: 410 page');

$r = $t->h2('/legal');
is($r->{status}, 451, 'h2: 451');
like($r->{body}, qr{451 Unavailable For Legal Reasons}, 'h2: 451 page');

$r = $t->h2('/moved/a?b=1');
is($r->{status}, 301, 'h2: 301');
is($r->{headers}{location}, '/new/a?b=1', 'h2: Location');

$r = $t->h2('/custom-gone');
is($r->{status}, 410, 'h2: error_page keeps 410');
is($r->{body}, "gone page\n", 'h2: error_page body');

$r = $t->h2('/fine');
is($r->{status}, 200, 'h2: no rule');
is($r->{body}, "served /fine\n", 'h2: body');

$r = $t->h2('/drop');
isnt($r->{exit}, 0, 'h2: 444 gives the client no response');
is($r->{status}, 0, 'h2: no status for a drop');

like($t->wait_for_log(qr{^410 "GET /gone/x HTTP/2.0" .*$}m, 'access.log')
         // '',
     qr{action=gone$}, 'h2: access log');

# keep-alive on HTTP/1.1: a policed answer keeps the connection usable
my @r = $t->get_keepalive('/gone/a', '/fine', '/moved/b', '/legal', '/fine2');
is(scalar @r, 5, 'keep-alive: five answers on one connection');
is($r[0]{status}, 410, 'keep-alive: 410 first');
is($r[1]{status}, 200, 'keep-alive: then 200');
is($r[1]{body}, "served /fine\n", 'keep-alive: body of the second');
is($r[2]{status}, 301, 'keep-alive: then 301');
is($r[3]{status}, 451, 'keep-alive: then 451');
is($r[4]{body}, "served /fine2\n", 'keep-alive: last');

# pipelined requests behind a drop are not answered
my $raw = $t->raw("GET /drop HTTP/1.1\r\nHost: localhost\r\n\r\n"
                  . "GET /fine HTTP/1.1\r\nHost: localhost\r\n\r\n");
is($raw, '', 'HTTP/1.1: nothing after a drop, not even for the next request');

done_testing;

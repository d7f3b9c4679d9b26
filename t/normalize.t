# Rules match the normalized, decoded path nginx matches locations against.

use strict;
use warnings;
use Test::More;
use lib 't/lib';
use TestNginx;

my $t = TestNginx->new(http => <<'HTTP');
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name localhost;

        status_policy 410 = /old-page;
        status_policy 410 "/old dir/";

        location / {
            return 200 "served $uri\n";
        }
    }
HTTP

$t->start;

for my $path ('/old-page', '/old%2Dpage', '/%6Fld-page', '//old-page',
              '/x/../old-page', '/./old-page', '/x/./y/../../old-page',
              '/old-page?query=1', '/old%20dir/x', '/old%20dir//a/../b') {
    is($t->get($path)->{status}, 410, "$path hits the rule");
}

for my $path ('/old-page/', '/old-page/extra', '/old-pag', '/old%252Dpage',
              '/olddir/x') {
    is($t->get($path)->{status}, 200, "$path does not");
}

like($t->access_log, qr{^410 "GET /x/\.\./old-page HTTP/1\.1" rule=\S+/nginx\.conf:\d+ action=gone$}m,
     'logged with the rule');

done_testing;

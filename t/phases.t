# Rules act before return, access checks, authentication, content
# handlers and upstreams; internal redirects and subrequests are not
# policed again.

use strict;
use warnings;
use Test::More;
use lib 't/lib';
use TestNginx;

my $dead = TestNginx::free_port();

my $t = TestNginx->new(
    files => {
        'htpasswd' => "user:{PLAIN}secret\n",
        'html/pages/404.html' => "custom not found page\n",
        'html/idx/old.html' => "index file\n",
        'html/ssi/page.html' =>
            "before <!--# include virtual=\"/sub/retired\" --> after\n",
    },
    http => <<"HTTP");
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name localhost;
        root %%PREFIX%%/html;

        status_policy 410 /ret/gone;
        status_policy 410 /denied/old;
        status_policy 410 /basic/old;
        status_policy 410 /authreq/old;
        status_policy 410 /proxied/old;
        status_policy 410 /pages/;
        status_policy 410 = /idx/old.html;
        status_policy 410 /target/old;
        status_policy 410 /sub/retired;
        status_policy 410 /retired-by-rewrite/;

        # a server-level rewrite happens before rules are matched
        rewrite ^/server-rewrite/(.*)\$ /retired-by-rewrite/\$1;

        location /ret/ {
            return 200 "return ran\\n";
        }

        location /denied/ {
            deny all;
        }

        location /basic/ {
            auth_basic "private";
            auth_basic_user_file %%PREFIX%%/htpasswd;
        }

        location /authreq/ {
            auth_request /auth;
        }

        location = /auth {
            internal;
            proxy_pass http://127.0.0.1:$dead;
        }

        location /proxied/ {
            proxy_pass http://127.0.0.1:$dead;
        }

        location /missing/ {
            error_page 404 /pages/404.html;
        }

        location /idx/ {
            index old.html;
        }

        location /rw/ {
            rewrite ^/rw/(.*)\$ /target/\$1 last;
        }

        location /target/ {
            return 200 "target \$uri\\n";
        }

        location /ssi/ {
            ssi on;
        }

        location /sub/ {
            return 200 "sub body";
        }
    }
HTTP

$t->start;

my $r = $t->get('/ret/gone');
is($r->{status}, 410, "before the location's return");
is($t->get('/ret/other')->{body}, "return ran\n", '(control) return runs');

is($t->get('/denied/old')->{status}, 410, 'before deny');
is($t->get('/denied/other')->{status}, 403, '(control) deny works');

is($t->get('/basic/old')->{status}, 410, 'before auth_basic');
is($t->get('/basic/other')->{status}, 401, '(control) auth_basic asks');

is($t->get('/authreq/old')->{status}, 410,
   'before auth_request: no auth subrequest is made');
is($t->get('/authreq/other')->{status}, 500,
   '(control) the auth subrequest fails against a dead upstream');

is($t->get('/proxied/old')->{status}, 410, 'before proxy_pass');
is($t->get('/proxied/other')->{status}, 502, '(control) upstream is dead');

# error_page target under a 410 prefix: served, not policed again
$r = $t->get('/missing/nothing-here');
is($r->{status}, 404, 'error_page redirect keeps the 404');
is($r->{body}, "custom not found page\n",
   'error_page target is not policed again');
is($t->get('/pages/404.html')->{status}, 410,
   '(control) the same path asked for directly is policed');

# index: an internal redirect
$r = $t->get('/idx/');
is($r->{status}, 200, 'index redirect is not policed again');
is($r->{body}, "index file\n", 'index file served');
is($t->get('/idx/old.html')->{status}, 410, '(control) direct request');

# rewrite ... last: matched again in the new location, like locations
is($t->get('/rw/old')->{status}, 410,
   'rewrite ... last is matched again, as nginx matches locations');
is($t->get('/rw/new')->{body}, "target /target/new\n", '(control) rewrite');

is($t->get('/server-rewrite/x')->{status}, 410,
   'rules see the path after server-level rewrites');

# subrequests are not policed
$r = $t->get('/ssi/page.html');
is($r->{status}, 200, 'SSI page');
like($r->{body}, qr/before sub body after/, 'SSI subrequest not policed');

my $log = $t->error_log;
my $dead_connects = () = $log =~ /connect\(\) failed/g;
is($dead_connects, 2,
   'only the two control requests tried the upstream');

done_testing;

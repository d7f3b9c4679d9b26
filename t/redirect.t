# 3xx rules: prefix replacement, exact and regex targets, $n, the query
# string, and escaping of what comes from the request.

use strict;
use warnings;
use Test::More;
use lib 't/lib';
use TestNginx;

my $t = TestNginx->new(http => <<'HTTP');
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name localhost;
        absolute_redirect off;

        status_policy 301 /docs/v1/ /docs/v2/;
        status_policy 302 = /contact.php /contact/;
        status_policy 301 = /with-query /new?from=old;
        status_policy 308 ~ "^/blog/(\d{4})/(\d{2})/(.*)\.html$" /posts/$1-$2/$3/;
        status_policy 301 ~* ^/Shop/(.*)$ https://shop.example.com/$1;
        status_policy 307 ~ ^/whole/.*$ /archive$0;

        location / {
            return 200 "served $uri\n";
        }
    }

    server {
        listen 127.0.0.1:%%PORT2%%;
        server_name redirect.test;

        status_policy 301 /old/ /new/;

        location / {
            return 200 "served\n";
        }
    }
HTTP

$t->start;

sub location_of {
    my $r = $t->get(@_);
    return "$r->{status} " . ($r->{headers}{location} // '(none)');
}

is(location_of('/docs/v1/install/linux'), '301 /docs/v2/install/linux',
   'prefix replaced, rest of the path kept');
is(location_of('/docs/v1/'), '301 /docs/v2/', 'prefix alone');
is(location_of('/docs/v1/a?lang=en&x=1'), '301 /docs/v2/a?lang=en&x=1',
   'query string kept');
is(location_of('/contact.php'), '302 /contact/', 'exact target');
is(location_of('/contact.php?x=1'), '302 /contact/?x=1',
   'exact target keeps the query');
is(location_of('/with-query?a=1'), '301 /new?from=old',
   "a target with its own '?' replaces the query");
is(location_of('/blog/2019/05/launch.html'), '308 /posts/2019-05/launch/',
   'regex captures $1..$3');
is(location_of('/shop/Red%20Shoes'),
   '301 https://shop.example.com/Red%20Shoes',
   'caseless regex, absolute target, a decoded space escaped again');
is(location_of('/whole/a/b'), '307 /archive/whole/a/b', '$0 is the whole match');

# what comes from the (decoded) request path is escaped
is(location_of('/docs/v1/a%22b%0D%0AX-Injected:%201'),
   '301 /docs/v2/a%22b%0D%0AX-Injected:%201',
   'CR, LF and quotes from the path cannot reach the header');
is(location_of('/docs/v1/%3Fnot-a-query%23frag'),
   '301 /docs/v2/%3Fnot-a-query%23frag',
   "a decoded '?' or '#' stays in the path");
is(location_of('/docs/v1/caf%C3%A9'), '301 /docs/v2/caf%C3%A9',
   'non-ASCII bytes escaped');
my $r = $t->get('/docs/v1/a%0D%0AX-Injected:%201');
ok(!exists $r->{headers}{'x-injected'}, 'no injected header');

# absolute_redirect on (nginx's default) makes the Location absolute
is($t->get('/old/page', port => $t->port(2), host => 'redirect.test')
       ->{headers}{location},
   'http://redirect.test:' . $t->port(2) . '/new/page',
   'absolute_redirect applies as for any nginx redirect');

# the body is nginx's own 3xx page
$r = $t->get('/docs/v1/x');
like($r->{body}, qr{<title>301 Moved Permanently</title>}, '301 page');

done_testing;

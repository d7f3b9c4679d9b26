# status_policy_body (JSON error bodies, Accept negotiation) and
# status_policy_cache (Cache-Control on error responses), over HTTP/1.1
# and HTTP/2, masking kept indistinguishable.

use strict;
use warnings;
use Test::More;
use Time::Local ();
use JSON::PP;
use lib 't/lib';
use TestNginx;

my $t = TestNginx->new(
    ports => 3,
    files => { 'html/errors/gone.html' => "custom gone page\n",
               'html/api/pages/gone.html' => "api gone page\n",
               'html/api/present.json' => "{}\n" },
    http => <<'HTTP');
    server {
        listen 127.0.0.1:%%PORT%%;
        listen 127.0.0.1:%%PORT2%% http2;
        server_name localhost;
        root %%PREFIX%%/html;

        location /api/ {
            status_policy_body json;
            status_policy 410 /api/v1/;
            status_policy 451 /api/withdrawn/;
            status_policy 503 = /api/maintenance;

            location /api/private/ {
                allow 127.0.0.2;
                deny all;
                status_mask 403;
            }

            location /api/custom/ {
                status_policy 410 /api/custom/;
                error_page 410 /errors/gone.html;
            }

            location /api/text/ {
                return 404 "operator text\n";
            }

            location /api/pages/ {
                internal;
            }

            location /api/own-page/ {
                status_policy 410 /api/own-page/;
                error_page 410 /api/pages/gone.html;
            }

            location /api/recursive/ {
                recursive_error_pages on;
                status_policy 410 /api/recursive/;
                error_page 410 /api/pages/gone.html;
            }

            location /api/upstream/ {
                proxy_pass http://127.0.0.1:%%PORT3%%/;
            }
        }

        location /errors/ {
            internal;
        }

        location /site/ {
            status_policy_body auto;
            status_policy 410 /site/old/;
        }
    }

    server {
        listen 127.0.0.1:%%PORT3%%;
        location / {
            add_header Cache-Control "private" always;
            return 404 "upstream body\n";
        }
    }
HTTP

$t->start;

sub without_date { (my $s = shift // '') =~ s/^Date: [^\r\n]*\r?\n//mig; $s }

sub one { $t->get(@_) }

# --- json ---------------------------------------------------------------

for my $case ([ '/api/v1/users', 410, 'Gone' ],
              [ '/api/withdrawn/report', 451, 'Unavailable For Legal Reasons' ],
              [ '/api/maintenance', 503, 'Service Unavailable' ],
              [ '/api/missing', 404, 'Not Found' ])
{
    my ($path, $code, $reason) = @$case;
    my $r = one($path);
    is($r->{status}, $code, "json: $path is $code");
    is($r->{headers}{'content-type'}, 'application/json',
       "json: $path is application/json");
    my $doc = eval { decode_json($r->{body}) };
    is_deeply($doc, { status => $code, error => $reason },
              "json: $path body") or diag $r->{body};
    is($r->{headers}{'content-length'}, length $r->{body},
       "json: $path Content-Length");

    my $h2 = $t->h2($path);
    is($h2->{status}, $code, "json over h2: $path status");
    is_deeply(eval { decode_json($h2->{body}) },
              { status => $code, error => $reason }, "json over h2: $path body");
}

{
    my @r = TestNginx::parse_responses($t->raw(
        "GET /api/v1/a HTTP/1.1\r\nHost: localhost\r\n\r\n"
        . "GET /api/present.json HTTP/1.1\r\nHost: localhost\r\n"
        . "Connection: close\r\n\r\n"));
    is(scalar @r, 2, 'json: keep-alive goes on after a JSON error');
    is($r[1]{status}, 200, 'json: the next request is served');

    my ($head) = TestNginx::parse_responses($t->raw(
        "HEAD /api/v1/a HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"), 1);
    is($head->{headers}{'content-type'}, 'application/json', 'HEAD: type');
    is($head->{headers}{'content-length'}, 30, 'HEAD: length of the JSON');
    like($head->{raw}, qr/\r\n\r\n\z/, 'HEAD: no body');
}

{
    # a masked 403 equals a genuine 404 of the same location, in JSON too
    my $masked = one('/api/private/x');
    my $real = one('/api/private/missing', from => '127.0.0.2');
    is($real->{body}, qq({"status":404,"error":"Not Found"}\n),
       'json: a genuine 404');
    is(without_date($masked->{raw}), without_date($real->{raw}),
       'json: a masked 403 is the same, byte for byte');
    my $h2m = $t->h2('/api/private/x');
    my $h2r = $t->h2('/api/private/missing', from => '127.0.0.2');
    is(without_date($h2m->{head}) . $h2m->{body},
       without_date($h2r->{head}) . $h2r->{body},
       'json over h2: masked and genuine 404 the same');
}

{
    my $r = one('/api/custom/x');
    is($r->{status}, 410, 'error_page still wins: 410');
    is($r->{body}, "custom gone page\n", 'error_page still wins: its page');

    # the error page's own location answers in JSON too: still the page
    for my $loc ('own-page', 'recursive') {
        $r = one("/api/$loc/x");
        is($r->{status}, 410, "error_page in a JSON location ($loc): 410");
        is($r->{body}, "api gone page\n",
           "error_page in a JSON location ($loc): the operator's page");
    }
    $r = one('/api/text/x');
    is($r->{body}, "operator text\n", '"return" text is left alone');
    $r = one('/api/upstream/x');
    is($r->{body}, "upstream body\n", 'an upstream body is left alone');
}

# --- auto ---------------------------------------------------------------

for my $case (['application/json', 1],
              ['text/html', 0],
              ['text/html;q=0.5, application/json', 1],
              ['application/json;q=0.5, text/html', 0],
              ['*/*', 0],
              ['application/*', 1],
              ['text/*;q=0.9, application/json;q=0.95', 1],
              [undef, 0])
{
    my ($accept, $json) = @$case;
    my $r = one('/site/old/page',
                headers => [ defined $accept ? "Accept: $accept" : () ]);
    my $label = $accept // 'no Accept';
    is($r->{status}, 410, "auto, $label: 410");
    if ($json) {
        is($r->{headers}{'content-type'}, 'application/json',
           "auto, $label: JSON");
    } else {
        like($r->{headers}{'content-type'}, qr{^text/html}, "auto, $label: HTML");
    }
    is(() = $r->{raw} =~ /^Vary: Accept\r$/mg, 1,
       "auto, $label: Vary: Accept, once");
}

{
    my $h2 = $t->h2('/site/old/page', headers => ['Accept: application/json']);
    is($h2->{headers}{'content-type'}, 'application/json',
       'auto over h2: Accept application/json gives JSON');
    is(() = $h2->{head} =~ /^vary: Accept\r?$/mig, 1,
       'auto over h2: Vary once');
    $h2 = $t->h2('/site/old/page', headers => ['Accept: text/html']);
    like($h2->{headers}{'content-type'}, qr{^text/html},
         'auto over h2: Accept text/html gives HTML');

    my $r = one('/api/v1/x');
    is(() = $r->{raw} =~ /^Content-Type:/mig, 1, 'json: Content-Type once');
    is(() = $r->{raw} =~ /^Content-Length:/mig, 1, 'json: Content-Length once');
}

# --- cache --------------------------------------------------------------

{
    my $t2 = TestNginx->new(
        ports => 3,
        http => <<'HTTP');
    server {
        listen 127.0.0.1:%%PORT%%;
        listen 127.0.0.1:%%PORT3%% http2;
        root %%PREFIX%%/html;
        status_policy 410 /old/;

        location /cached/ {
            status_policy 410 /cached/old/;
            status_policy_cache 410 404 1d;

            location /cached/private/ {
                deny all;
                status_mask 403;
            }

            location /cached/off/ {
                status_policy_cache off;
                status_policy 410 /cached/off/;
            }

            location /cached/upstream/ {
                proxy_pass http://127.0.0.1:%%PORT2%%/;
            }
        }

        location /short/ {
            status_policy 410 /short/;
            status_policy_cache 410 5m;
        }

        location /expiring/ {
            expires 1h;
            status_policy 301 /expiring/old/ /new/;
            status_policy_cache 301 1d;
        }

        location /added/ {
            add_header Cache-Control "private" always;
            status_policy 410 /added/;
            status_policy_cache 410 1d;
        }
    }

    server {
        listen 127.0.0.1:%%PORT2%%;
        location / {
            add_header Cache-Control "no-cache" always;
            return 404 "upstream\n";
        }
    }
HTTP
    $t2->start;

    my $count = sub { my ($r) = @_; scalar(() = $r->{raw} =~ /^Cache-Control:/mig) };

    my $r = $t2->get('/cached/old/x');
    is($r->{status}, 410, 'cache: 410');
    is($r->{headers}{'cache-control'}, 'max-age=86400', 'cache: max-age 1d');
    is($count->($r), 1, 'cache: the header once');

    my $masked = $t2->get('/cached/private/x');
    my $real = $t2->get('/cached/private-not/missing');
    is($masked->{headers}{'cache-control'}, 'max-age=86400',
       'cache: a masked 404 gets it');
    is($real->{headers}{'cache-control'}, 'max-age=86400',
       'cache: a genuine 404 of the location too');
    is(without_date($masked->{raw}), without_date($real->{raw}),
       'cache: masked and genuine 404 still the same');

    $r = $t2->get('/cached/upstream/x');
    is($r->{headers}{'cache-control'}, 'max-age=86400',
       "cache: replaces an upstream's Cache-Control");
    is($count->($r), 1, 'cache: still once');

    $r = $t2->get('/cached/off/x');
    is($r->{status}, 410, 'cache off: 410');
    is($count->($r), 0, 'cache off in a nested location: no header');

    $r = $t2->get('/old/x');
    is($count->($r), 0, 'no status_policy_cache: no header');

    $r = $t2->get('/short/x');
    is($r->{headers}{'cache-control'}, 'max-age=300', 'cache: 5m');

    # nginx's headers filter ("expires", add_header) runs before the
    # module's step, which has the last word for its codes
    $r = $t2->get('/expiring/old/x');
    is($r->{status}, 301, 'cache with expires: 301');
    is($count->($r), 1, 'cache with expires: one Cache-Control');
    is($r->{headers}{'cache-control'}, 'max-age=86400',
       'cache with expires: the max-age of status_policy_cache');
    my ($date, $expires) = map { $r->{headers}{$_} // '' } qw(date expires);
    is(expires_after($date, $expires), 86400,
       'cache with expires: Expires agrees with it');
    $r = $t2->get('/added/x');
    is($count->($r), 1, 'cache with add_header Cache-Control: one header');
    is($r->{headers}{'cache-control'}, 'max-age=86400',
       'cache with add_header Cache-Control: the max-age of status_policy_cache');

    my $h2 = $t2->h2('/cached/old/x', port => $t2->port(3));
    is($h2->{headers}{'cache-control'}, 'max-age=86400', 'cache over h2');
    is(() = $h2->{head} =~ /^cache-control:/mig, 1, 'cache over h2: once');
    $t2->stop;
}

# seconds from the Date to the Expires header
sub expires_after {
    my ($date, $expires) = @_;
    my %mon = (Jan => 0, Feb => 1, Mar => 2, Apr => 3, May => 4, Jun => 5,
               Jul => 6, Aug => 7, Sep => 8, Oct => 9, Nov => 10, Dec => 11);
    my $secs = sub {
        my ($d, $m, $y, $H, $M, $S) =
            $_[0] =~ /, (\d\d) (\w{3}) (\d{4}) (\d\d):(\d\d):(\d\d) GMT$/
            or return undef;
        return Time::Local::timegm($S, $M, $H, $d, $mon{$m}, $y);
    };
    my ($a, $b) = ($secs->($date), $secs->($expires));
    return defined $a && defined $b ? $b - $a : "Date \"$date\", Expires \"$expires\"";
}

done_testing;

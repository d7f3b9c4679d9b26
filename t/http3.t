# HTTP/3: QUIC on a loopback UDP port with a certificate made here,
# spoken by gtlsclient (ngtcp2-client).  Rules (410, 3xx, 451), a masked
# 403 that is a genuine 404 byte for byte but its Date, JSON bodies and
# Cache-Control, spike counting and the report, and 444: by default the
# stream is reset and the connection goes on; with status_drop_connection
# on the server closes the QUIC connection at once (CONNECTION_CLOSE),
# and no stream behind the dropped one is answered.
#
# Skipped when nginx has no HTTP/3; STATUS_POLICY_REQUIRE_HTTP3=1 (the
# version matrix sets it for a build with HTTP/3) makes that a failure.

use strict;
use warnings;
use Test::More;
use JSON::PP ();
use lib 't/lib';
use TestNginx;

my $why;
if (`'$TestNginx::NGINX' -V 2>&1` !~ /--with-http_v3_module/) {
    $why = 'nginx is built without --with-http_v3_module';
} elsif (system('command -v gtlsclient >/dev/null 2>&1') != 0) {
    $why = 'no gtlsclient (Debian package ngtcp2-client)';
}
if ($why) {
    if ($ENV{STATUS_POLICY_REQUIRE_HTTP3}) {
        fail("HTTP/3 tests cannot run: $why");
        done_testing;
        exit;
    }
    plan skip_all => $why;
}

my $t = TestNginx->new(
    ports => 3,
    files => { 'html/index.html' => "index\n" },
    http => <<'HTTP');
    status_spike_zone zone=h3spikes:1m window=60s threshold=5;

    server {
        listen 127.0.0.1:%%PORT%%;
        listen 127.0.0.1:%%PORT3%% quic;
        server_name localhost;
        root %%PREFIX%%/html;

        ssl_certificate %%PREFIX%%/cert.pem;
        ssl_certificate_key %%PREFIX%%/key.pem;

        status_spike h3spikes;

        status_policy 410 = /gone;
        status_policy 301 = /moved /new;
        status_policy 451 = /legal;
        status_policy 444 = /.env;

        location /private/ {
            deny all;
            status_mask 403;
        }

        location /api/ {
            status_policy_body json;
            status_policy_cache 410 1d;
            status_policy 410 = /api/old;
        }

        location /drop/ {
            status_drop_connection on;
            status_policy 444 = /drop/.env;
            return 200 "served $uri\n";
        }

        location = /report {
            status_spike off;
            status_policy_report json;
        }

        location /ok/ {
            return 200 "served $uri\n";
        }
    }
HTTP

my $p = $t->prefix;
system("openssl req -x509 -newkey rsa:2048 -nodes -keyout '$p/key.pem' "
       . "-out '$p/cert.pem' -subj /CN=localhost -days 2 >/dev/null 2>&1") == 0
    or BAIL_OUT('openssl cannot make a certificate');
$t->start;

sub one {
    my ($path) = @_;
    return $t->h3([$path])->{streams}{0};
}

# --- rules -----------------------------------------------------------------

my $r = one('/gone');
is($r->{status}, 410, 'HTTP/3: a 410 rule');
like($r->{body}, qr{<title>410 Gone</title>}, "HTTP/3: nginx's 410 page");
is($r->{headers}{'content-length'}, length $r->{body}, 'HTTP/3: its length');

$r = one('/moved');
is($r->{status}, 301, 'HTTP/3: a 301 rule');
like($r->{headers}{location}, qr{/new$}, 'HTTP/3: its Location');

$r = one('/legal');
is($r->{status}, 451, 'HTTP/3: a 451 rule');
like($r->{body}, qr{451}, 'HTTP/3: the 451 page');

is(one('/ok/x')->{status}, 200, 'HTTP/3: no rule, served');

# --- masking: a masked 403 is a genuine 404 but its Date --------------------

my $masked = one('/private/secret');
my $real = one('/no-such-file');
is($masked->{status}, 404, 'HTTP/3: a masked 403 answers 404');
is($real->{status}, 404, 'HTTP/3: a genuine 404');
delete $_->{headers}{date} for $masked, $real;
is_deeply($masked->{headers}, $real->{headers},
          'HTTP/3: the same headers as the genuine 404');
is($masked->{body}, $real->{body}, 'HTTP/3: the same body');

# --- JSON bodies and Cache-Control ------------------------------------------

$r = one('/api/old');
is($r->{status}, 410, 'HTTP/3: a 410 with a JSON body');
like($r->{headers}{'content-type'}, qr{^application/json}, 'HTTP/3: JSON type');
my $doc = eval { JSON::PP::decode_json($r->{body}) };
is($doc && $doc->{status}, 410, 'HTTP/3: the JSON parses and says 410');
is($r->{headers}{'cache-control'}, 'max-age=86400',
   'HTTP/3: status_policy_cache');

# --- spikes and the report --------------------------------------------------

my $many = $t->h3([ ('/missing/page') x 8 ]);
is(scalar(grep { ($_->{status} // 0) == 404 } values %{ $many->{streams} }), 8,
   'HTTP/3: eight 404s on one connection');
ok($t->wait_for_log(qr{404 spike on "localhost/missing/page"}),
   'HTTP/3: the 404s spike');
my $report = JSON::PP::decode_json($t->get('/report')->{body});
my ($zone) = grep { $_->{name} eq 'h3spikes' } @{ $report->{zones} };
my ($path) = grep { $_->{path} eq 'localhost/missing/page' }
             @{ $zone ? $zone->{top} : [] };
ok($path && $path->{window_count} >= 8 && $path->{spiking},
   'HTTP/3: the report counts them, spiking') or diag explain $zone;

# --- 444 ---------------------------------------------------------------------

# by default: that stream is reset, the others are answered
$r = $t->h3([ '/.env', '/ok/a' ]);
ok(defined $r->{streams}{0}{reset}, 'HTTP/3 444: the stream is reset');
ok(!defined $r->{streams}{0}{status}, 'HTTP/3 444: with no response');
is($r->{streams}{4}{status}, 200, 'HTTP/3 444: the next stream is answered');
unlike($r->{close} // '', qr/reason=\[status_drop_connection\]/,
       'HTTP/3 444: the connection is not closed for it');

# status_drop_connection on: the server closes the QUIC connection, and
# streams sent behind the dropped one are never answered
$r = $t->h3([ '/drop/.env', '/drop/b', '/drop/c' ], until_closed => 1);
ok(defined $r->{streams}{0}{reset}, 'drop: the 444 stream is reset');
like($r->{close} // '', qr/CONNECTION_CLOSE.*reason=\[status_drop_connection\]/,
     'drop: CONNECTION_CLOSE from the server');
ok(!defined $r->{streams}{$_}{status}, "drop: stream $_ behind it unanswered")
    for 4, 8;
ok($r->{seconds} < 4, 'drop: at once, not at an idle timeout')
    or diag "the client ran $r->{seconds}s";

# a stream before the dropped one keeps its answer
$r = $t->h3([ '/drop/a', '/drop/.env', '/drop/b' ], until_closed => 1);
is($r->{streams}{0}{status}, 200, 'drop: a stream before it is answered');
ok(!defined $r->{streams}{8}{status}, 'drop: the stream after it is not');
like($r->{close} // '', qr/reason=\[status_drop_connection\]/,
     'drop: and the connection is closed');

my $log = $t->access_log;
unlike($log, qr{"GET /drop/(b|c) HTTP/3}, 'drop: nothing behind it is logged');
like($t->error_log, qr{\[info\] .*status_policy: 444 for "/drop/\.env" closes the HTTP/3 connection},
     'drop: the info line');
unlike($t->error_log, qr/\[(alert|crit|emerg)\]/, 'no alerts');

$t->stop;
done_testing;

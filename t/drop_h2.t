# status_drop_connection on over HTTP/2, frame by frame: the moment a
# stream is dropped the connection takes no new stream, the server sends
# GOAWAY itself at once naming the dropped stream as the last, streams
# behind it in the same read are never processed, streams in flight end,
# and the connection closes without waiting for a timeout, also when the
# 444 comes late (an error_page after a failed upstream).

use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time sleep);
use lib 't/lib';
use TestNginx;
use H2Frames;

# PORT (h2): the policy; PORT2: a port nobody listens on.
my $t = TestNginx->new(
    ports => 2,
    files => { 'html/ok' => "ok\n", 'html/a' => "a\n", 'html/b' => "b\n",
               'html/slow' => 'x' x 30000 },
    http => <<'HTTP');
    log_format streams '$status $request_uri';

    server {
        listen 127.0.0.1:%%PORT%% http2;
        server_name localhost;
        root %%PREFIX%%/html;
        access_log %%PREFIX%%/streams.log streams;
        status_drop_connection on;
        keepalive_timeout 30s;
        client_body_timeout 30s;

        status_policy 444 = /.env;

        location = /slow {
            limit_rate 20k;
        }

        location = /upload {
            proxy_pass http://127.0.0.1:%%PORT2%%;
            proxy_request_buffering on;
        }

        location = /late {
            proxy_pass http://127.0.0.1:%%PORT2%%;
            error_page 502 = @drop;
        }

        location @drop {
            return 444;
        }
    }
HTTP

# nobody listens on PORT2: the upstream fails at once
$t->start;

sub flight {
    my (@paths) = @_;
    my $h2 = H2Frames->new(port => $t->port);
    my $bytes = '';
    my $sid = 1;
    for my $path (@paths) {
        # one write: every request in the same read of the server
        my @fields = (':method' => 'GET', ':scheme' => 'http',
                      ':path' => $path, ':authority' => 'localhost');
        my $block = '';
        while (my ($n, $v) = splice @fields, 0, 2) {
            $block .= "\x00" . H2Frames::hpack_string($n)
                      . H2Frames::hpack_string($v);
        }
        $bytes .= H2Frames::frame(1, 0x5, $sid, $block);
        $sid += 2;
    }
    $h2->send_raw($bytes);
    my $start = time;
    $h2->read_frames(timeout => 5);
    return ($h2, time - $start);
}

sub served { my ($path) = @_; return $t->slurp('streams.log') =~ /^200 \Q$path\E$/m }

sub check_drop {
    my ($name, $h2, $took, $dropped, @before) = @_;
    my $goaway_at = -1;
    my $frames = $h2->frames;
    for my $i (0 .. $#$frames) {
        $goaway_at = $i if $frames->[$i]{type} == 7;
    }
    ok($h2->goaway, "$name: the server sends GOAWAY") or diag $h2->dump;
    is($h2->goaway && $h2->goaway->{last_sid}, $dropped,
       "$name: GOAWAY names the dropped stream as the last");
    is($h2->goaway && $h2->goaway->{error}, 0, "$name: with NO_ERROR");
    ok($h2->eof, "$name: and closes the connection");
    cmp_ok($took, '<', 2, "$name: at once, not at a timeout");
    is($h2->stream($dropped)->{status}, undef,
       "$name: no response on the dropped stream");
    for my $sid (@before) {
        is($h2->stream($sid)->{status}, 200,
           "$name: stream $sid, before the dropped one, was answered");
    }
}

{
    my ($h2, $took) = flight('/.env', '/a', '/b');
    check_drop('dropped first', $h2, $took, 1);
    is($h2->stream(3)->{status}, undef, 'dropped first: /a gets no answer');
    is($h2->stream(5)->{status}, undef, 'dropped first: /b gets no answer');
    sleep 0.2;
    ok(!served('/a') && !served('/b'),
       'dropped first: the streams behind it were never processed');
}

{
    my ($h2, $took) = flight('/a', '/.env', '/b');
    check_drop('dropped in the middle', $h2, $took, 3, 1);
    is($h2->stream(5)->{status}, undef, 'dropped in the middle: /b gets no answer');
    sleep 0.2;
    ok(!served('/b'), 'dropped in the middle: /b never processed');
}

{
    my ($h2, $took) = flight('/ok', '/b', '/.env');
    check_drop('dropped last', $h2, $took, 5, 1, 3);
}

{
    my ($h2, $took) = flight('/.env');
    check_drop('a single stream', $h2, $took, 1);
    my @types = map { $_->{type} } @{ $h2->frames };
    is($types[-1], 7, 'a single stream: GOAWAY is the last frame, before EOF');
}

{
    # a stream in flight: the slow download
    my $h2 = H2Frames->new(port => $t->port);
    $h2->request(1, '/slow');
    $h2->read_frames(timeout => 5, until => sub { $_[0]{type} == 0 });
    $h2->request(3, '/.env');
    my $start = time;
    $h2->read_frames(timeout => 5);
    check_drop('a download in flight', $h2, time - $start, 3);
    ok(!$h2->stream(1)->{ended}, 'a download in flight: ended unfinished');
}

{
    # a stream in flight: a 1 MB upload, half sent
    my $h2 = H2Frames->new(port => $t->port);
    $h2->request(1, '/upload', method => 'POST', open_body => 1,
                 headers => [ 'content-length' => 1048576 ]);
    $h2->send_raw(H2Frames::frame(0, 0, 1, 'x' x 16384)) for 1 .. 3;
    $h2->request(3, '/.env');
    my $start = time;
    $h2->read_frames(timeout => 5);
    check_drop('an upload in flight', $h2, time - $start, 3);
    is($h2->stream(1)->{status}, undef, 'an upload in flight: never answered');
}

{
    # the 444 decided late, by an error_page after the upstream failed,
    # with no other stream open
    my $h2 = H2Frames->new(port => $t->port);
    $h2->request(1, '/late');
    my $start = time;
    $h2->read_frames(timeout => 5);
    check_drop('a 444 after a failed upstream', $h2, time - $start, 1);
}

SKIP: {
    # a mix of dropped and served streams from many connections at once
    # (under AddressSanitizer with make test-asan)
    skip 'no h2load', 3 unless `which h2load 2>/dev/null`;
    my $base = 'http://127.0.0.1:' . $t->port;
    my $out = `h2load -n 3000 -c 20 -m 10 -t 1 $base/ok $base/a $base/.env $base/b 2>&1`;
    like($out, qr/requests: 3000 total/, 'h2load: a mix with drops ran')
        or diag $out;
    my ($ok) = $out =~ /status codes: (\d+) 2xx/;
    cmp_ok($ok // 0, '>', 0, 'h2load: streams before a drop were served');
    is($t->h2('/ok', port => $t->port)->{status}, 200,
       'h2load: nginx serves on afterwards');
}

{
    my $log = $t->error_log;
    unlike($log, qr/client timed out/, 'no "client timed out" line');
    unlike($log, qr/\[(alert|crit|emerg)\]/, 'no alerts');
    like($log, qr/\[info\] .*status_policy: 444 for "\/\.env" closes the HTTP\/2 connection/,
         'the drop is logged at info');
}

$t->stop;
done_testing;

# 444 drops: nothing sent on HTTP/1.x, RST_STREAM or GOAWAY on HTTP/2
# (status_drop_connection), before access checks, auth and upstreams.

use strict;
use warnings;
use Test::More;
use Errno qw(ECONNRESET);
use IO::Select;
use Time::HiRes qw(time sleep);
use lib 't/lib';
use TestNginx;
use H2Frames;

my $scanners = "$TestNginx::ROOT/conf.examples/scanners.rules";

# PORT, PORT2 (h2): status_drop_connection off (the default).
# PORT3 (reset_timedout_connection on), PORT4 (h2): status_drop_connection on.
# PORT5: a backend that logs every request it gets.
my $t = TestNginx->new(
    ports => 5,
    files => { 'html/slow' => 'x' x 30000, 'html/ok' => "ok\n" },
    http => <<"HTTP");
    log_format backend '\$request_uri';

    server {
        listen 127.0.0.1:%%PORT%%;
        listen 127.0.0.1:%%PORT2%% http2;
        server_name localhost;
        root %%PREFIX%%/html;
        client_body_timeout 30s;

        status_policy_file $scanners;

        location = /slow {
            limit_rate 20k;
        }

        location /api/ {
            proxy_pass http://127.0.0.1:%%PORT5%%;
        }

        location /members/ {
            auth_request /authz;
            proxy_pass http://127.0.0.1:%%PORT5%%;
        }

        location = /authz {
            internal;
            proxy_pass http://127.0.0.1:%%PORT5%%;
        }

        location /private/ {
            deny all;
        }
    }

    server {
        listen 127.0.0.1:%%PORT3%%;
        listen 127.0.0.1:%%PORT4%% http2;
        server_name localhost;
        root %%PREFIX%%/html;
        reset_timedout_connection on;
        status_drop_connection on;

        status_policy_file $scanners;

        location = /slow {
            limit_rate 20k;
        }

        location /streams-only/ {
            status_drop_connection off;
        }

        location = /return-444 {
            return 444;
        }
    }

    server {
        listen 127.0.0.1:%%PORT5%%;
        access_log %%PREFIX%%/backend.log backend;

        location / {
            return 200 "backend \$request_uri\\n";
        }
    }
HTTP

$t->start;

# Reads until the server closes; returns (bytes, how it closed).
sub read_to_close {
    my ($s, $timeout) = @_;
    my $sel = IO::Select->new($s);
    my $data = '';
    while ($sel->can_read($timeout)) {
        my $n = sysread($s, my $buf, 65536);
        return ($data, 'reset') if !defined $n && $! == ECONNRESET;
        return ($data, 'eof') if !$n;
        $data .= $buf;
    }
    return ($data, 'open');
}

sub send_raw {
    my ($port, $bytes) = @_;
    my $s = $t->connect($port);
    binmode $s;
    print $s $bytes;
    return $s;
}

my $get = sub { "GET $_[0] HTTP/1.1\r\nHost: localhost\r\n\r\n" };

# --- HTTP/1.x ---------------------------------------------------------

{
    my ($data, $how) = read_to_close(send_raw($t->port, $get->('/.env')), 5);
    is($data, '', 'HTTP/1.1: a dropped request gets zero bytes');
    is($how, 'eof', 'HTTP/1.1: the connection is closed (FIN)');

    ($data, $how) = read_to_close(
        send_raw($t->port, "GET /.git/config HTTP/1.0\r\n\r\n"), 5);
    is($data, '', 'HTTP/1.0: zero bytes');
    is($how, 'eof', 'HTTP/1.0: the connection is closed');

    ($data, $how) = read_to_close(send_raw($t->port(3), $get->('/.env')), 5);
    is($data, '', 'reset_timedout_connection on: zero bytes');
    is($how, 'reset', 'reset_timedout_connection on: the connection is reset');

    ($data, $how) = read_to_close(send_raw($t->port, $get->('/ok')), 1);
    like($data, qr{^HTTP/1.1 200 }, 'a request no rule matches is served');
    is($how, 'open', 'and its connection is kept alive');
}

{
    my ($data, $how) = read_to_close(
        send_raw($t->port, $get->('/wp-login.php') . $get->('/ok')), 5);
    is($data, '', 'pipelined: nothing answered behind a dropped request');

    ($data, $how) = read_to_close(
        send_raw($t->port,
                 $get->('/ok') . $get->('/xmlrpc.php') . $get->('/ok')), 5);
    my @answers = $data =~ m{^HTTP/1\.1 (\d+)}mg;
    is("@answers", '200', 'pipelined: the request before the drop is '
                          . 'answered, the drop and what follows are not');
    is($how, 'eof', 'pipelined: the connection is closed after the drop');
}

{
    # The body of a dropped POST is not waited for: the proxied location
    # would read all of it before answering.
    my $post = "POST /api/.env HTTP/1.1\r\nHost: localhost\r\n"
               . "Content-Length: 1000000\r\n\r\n" . ('a' x 100);
    my $start = time;
    my ($data, $how) = read_to_close(send_raw($t->port, $post), 5);
    my $took = time - $start;
    is($data, '', 'POST: zero bytes');
    isnt($how, 'open', 'POST: the connection is closed ...');
    cmp_ok($took, '<', 2, '... at once, without reading the body');

    (my $kept = $post) =~ s{/api/\.env}{/api/upload};
    ($data, $how) = read_to_close(send_raw($t->port, $kept), 1);
    is($how, 'open',
       'control: the same POST to a path with no rule waits for its body');
}

{
    my ($data) = read_to_close(send_raw($t->port, $get->('/api/.git/HEAD')),
                               5);
    is($data, '', 'a drop in a proxied location sends nothing');

    ($data) = read_to_close(send_raw($t->port, $get->('/members/.env')), 5);
    is($data, '', 'a drop in an auth_request location sends nothing');

    ($data) = read_to_close(send_raw($t->port, $get->('/private/.env')), 5);
    is($data, '', 'a drop in a "deny all" location sends nothing (not 403)');

    my $r = $t->get('/api/fine');
    like($r->{body}, qr{backend /api/fine}, 'control: the backend answers');
    $r = $t->get('/members/fine');
    is($r->{status}, 200, 'control: auth_request lets /members/fine in');

    my $backend = $t->slurp('backend.log');
    unlike($backend, qr{\.git|\.env},
           'the upstream never saw a dropped request');
    like($backend, qr{^/authz$}m, 'control: the auth subrequest is logged');
    is(() = $backend =~ /^\/authz$/mg, 1,
       'the dropped /members/.env cost no auth subrequest');
}

{
    my $s = send_raw($t->port, $get->('/.env'));
    read_to_close($s, 5);
    my $line = $t->wait_for_log(qr{^444 "GET /\.env HTTP/1\.1" .*$}m,
                                'access.log');
    ok($line, 'access log: 444');
    like($line // '', qr{rule=\Q$scanners\E:\d+ action=drop},
         'access log: the rule and the action');

    system("curl -s -o /dev/null -m 5 http://127.0.0.1:" . $t->port
           . "/.env");
    is($? >> 8, 52, 'curl over HTTP/1.1: exit 52 (empty reply)');
}

# --- HTTP/2 -------------------------------------------------------------

my $done = sub { my ($f) = @_; $f->{sid} == 1 && $f->{flags} & 0x1 };

{
    # status_drop_connection off: the dropped stream is reset, the
    # connection and its other streams go on.
    my $h2 = H2Frames->new(port => $t->port(2));
    $h2->request(1, '/slow');
    $h2->request(3, '/.env');
    $h2->read_frames(timeout => 5, until => $done);

    is($h2->rst_stream(3), 1, 'h2 off: RST_STREAM(PROTOCOL_ERROR) on the '
                              . 'dropped stream')
        or diag $h2->dump;
    is($h2->stream(3)->{status}, undef, 'h2 off: no response headers');
    is($h2->goaway, undef, 'h2 off: no GOAWAY');
    ok($h2->stream(1)->{ended}, 'h2 off: the other stream completes');
    is(length $h2->stream(1)->{data}, 30000, 'h2 off: with its whole body');

    $h2->request(5, '/ok');
    $h2->read_frames(timeout => 5,
                     until => sub { $_[0]{sid} == 5 && $_[0]{flags} & 1 });
    is($h2->stream(5)->{status}, 200,
       'h2 off: a new stream on the same connection is served');
    ok(!$h2->eof, 'h2 off: the connection stays open');
    $h2->close;
}

{
    # status_drop_connection on: GOAWAY, the connection closes, the stream
    # in flight ends unfinished.
    my $h2 = H2Frames->new(port => $t->port(4));
    $h2->request(1, '/slow');
    $h2->read_frames(timeout => 5,
                     until => sub { $_[0]{sid} == 1 && $_[0]{type} == 0 });
    $h2->request(3, '/.env');
    $h2->read_frames(timeout => 5);

    ok($h2->goaway, 'h2 on: GOAWAY') or diag $h2->dump;
    is($h2->goaway && $h2->goaway->{last_sid}, 3,
       'h2 on: GOAWAY names the last stream seen');
    ok($h2->eof, 'h2 on: the server closes the connection');
    is($h2->stream(3)->{status}, undef, 'h2 on: the dropped stream gets no '
                                        . 'response headers');
    is($h2->stream(1)->{status}, 200, 'h2 on: the stream in flight had '
                                      . 'started ...');
    ok(!$h2->stream(1)->{ended}, '... and ends unfinished');
    cmp_ok(length $h2->stream(1)->{data}, '<', 30000,
           '... without its whole body');

    ok($t->wait_for_log(qr{\[info\].*status_policy: 444 for "/\.env" closes the HTTP/2 connection \(status_drop_connection on\), rule \Q$scanners\E:\d+}),
       'h2 on: the error log says why, at info');
}

{
    my $h2 = H2Frames->new(port => $t->port(4));
    $h2->request(1, '/wp-admin/install.php');
    $h2->read_frames(timeout => 5);
    ok($h2->goaway, 'h2 on, a single stream: GOAWAY') or diag $h2->dump;
    ok($h2->eof, 'h2 on, a single stream: the connection is closed');
    is($h2->stream(1)->{status}, undef, 'h2 on, a single stream: no response');
}

{
    # "return 444" drops the connection too
    my $h2 = H2Frames->new(port => $t->port(4));
    $h2->request(1, '/slow');
    $h2->read_frames(timeout => 5,
                     until => sub { $_[0]{sid} == 1 && $_[0]{type} == 0 });
    $h2->request(3, '/return-444');
    $h2->read_frames(timeout => 5);
    ok($h2->goaway, 'h2 on, "return 444": GOAWAY') or diag $h2->dump;
    ok($h2->eof, 'h2 on, "return 444": the connection is closed');
    ok(!$h2->stream(1)->{ended}, 'h2 on, "return 444": the stream in '
                                 . 'flight ends unfinished');
    ok($t->wait_for_log(qr{\[info\].*status_policy: 444 for "/return-444" closes the HTTP/2 connection \(status_drop_connection on\)(?!,)}),
       'h2 on, "return 444": logged at info, without a rule');
}

{
    # a location may turn it off again
    my $h2 = H2Frames->new(port => $t->port(4));
    $h2->request(1, '/streams-only/.env');
    $h2->read_frames(timeout => 2, until => sub { $_[0]{type} == 3 });
    $h2->request(3, '/ok');
    $h2->read_frames(timeout => 5,
                     until => sub { $_[0]{sid} == 3 && $_[0]{flags} & 1 });
    is($h2->rst_stream(1), 1, 'h2 on, "off" in a location: RST_STREAM')
        or diag $h2->dump;
    is($h2->goaway, undef, 'h2 on, "off" in a location: no GOAWAY');
    is($h2->stream(3)->{status}, 200,
       'h2 on, "off" in a location: the connection serves the next stream');
    $h2->close;
}

{
    my $h2 = H2Frames->new(port => $t->port(2));
    $h2->request(1, '/api/.env', method => 'POST', body => 'x' x 1000,
                 open_body => 1);
    $h2->read_frames(timeout => 2, until => sub { $_[0]{type} == 3 });
    is($h2->rst_stream(1), 1,
       'h2: a POST with its body still coming is reset at once')
        or diag $h2->dump;
    $h2->close;

    my $r = $t->h2('/.env');
    is($r->{exit}, 92, 'curl over h2, off: exit 92 (stream error)');
    $r = $t->h2('/.env', port => $t->port(4));
    isnt($r->{exit}, 0, "curl over h2, on: fails (exit $r->{exit})");
    is($r->{status}, 0, 'curl over h2, on: no status');

    ok($t->wait_for_log(qr{^444 "GET /\.env HTTP/2\.0" rule=\Q$scanners\E:\d+ }m
                        . qr{action=drop$}m, 'access.log'),
       'access log over h2: 444 with the rule');
}

{
    # status_drop_connection alone, with no rule anywhere
    my $t2 = TestNginx->new(ports => 1, http => <<'HTTP');
    server {
        listen 127.0.0.1:%%PORT%% http2;
        status_drop_connection on;
        location / {
            return 444;
        }
    }
HTTP
    $t2->start;
    my $h2 = H2Frames->new(port => $t2->port);
    $h2->request(1, '/anything');
    $h2->read_frames(timeout => 5);
    ok($h2->goaway, 'no rules, "return 444": GOAWAY') or diag $h2->dump;
    ok($h2->eof, 'no rules, "return 444": the connection is closed');
    $t2->stop;
}

done_testing;

package Chromium;

# Headless Chromium driven over the DevTools protocol (a WebSocket on
# loopback), for the dashboard tests: open a page at a given viewport,
# evaluate JavaScript in it, take full-page screenshots.
#
#   my $c = Chromium->start or plan skip_all => ...;
#   $c->navigate($url, width => 1280, height => 900);
#   my $n = $c->js('document.title');
#   $c->screenshot("$prefix/page.png");

use strict;
use warnings;

use File::Temp qw(tempdir);
use HTTP::Tiny;
use IO::Socket::IP;
use IO::Select;
use JSON::PP;
use MIME::Base64 qw(decode_base64);
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);

sub binary {
    for my $b (qw(chromium chromium-browser)) {
        for my $dir (split /:/, $ENV{PATH}) {
            return "$dir/$b" if -x "$dir/$b";
        }
    }
    return undef;
}

sub start {
    my ($class) = @_;
    my $bin = binary() or return undef;
    my $dir = tempdir('chromium-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDOUT, '>', '/dev/null';
        open STDERR, '>', "$dir/stderr";
        exec $bin, '--headless', '--no-sandbox', '--disable-gpu',
             '--no-first-run', '--disable-extensions',
             '--hide-scrollbars', '--remote-debugging-port=0',
             "--user-data-dir=$dir", 'about:blank';
        exit 127;
    }
    my $self = bless { pid => $pid, dir => $dir, id => 0 }, $class;

    # the port it chose, written once it listens
    my $port;
    for (1 .. 300) {
        if (CORE::open my $f, '<', "$dir/DevToolsActivePort") {
            $port = <$f>;
            chomp $port if defined $port;
            last if $port;
        }
        sleep 0.1;
    }
    die "chromium did not start\n" unless $port;
    $self->{port} = $port;

    my ($page) = grep { $_->{type} eq 'page' }
                 @{ $self->http_json('/json/list') };
    die "chromium has no page\n" unless $page;
    $self->ws_connect($page->{webSocketDebuggerUrl});
    $self->call('Page.enable');
    $self->call('Runtime.enable');
    return $self;
}

sub http_json {
    my ($self, $path) = @_;
    my $r = HTTP::Tiny->new(timeout => 10)
                      ->get("http://127.0.0.1:$self->{port}$path");
    die "DevTools $path: $r->{status}\n" unless $r->{success};
    return decode_json($r->{content});
}

# -- a WebSocket client, as small as the protocol allows ---------------------

sub ws_connect {
    my ($self, $url) = @_;
    my ($host, $port, $path) = $url =~ m{^ws://([^:/]+):(\d+)(/.*)$}
        or die "bad DevTools URL $url\n";
    my $s = IO::Socket::IP->new(PeerHost => $host, PeerPort => $port,
                                Proto => 'tcp')
        or die "connect DevTools: $!\n";
    print $s "GET $path HTTP/1.1\r\nHost: $host:$port\r\n"
             . "Upgrade: websocket\r\nConnection: Upgrade\r\n"
             . "Sec-WebSocket-Key: c3RhdHVzLXBvbGljeS10ZXN0\r\n"
             . "Sec-WebSocket-Version: 13\r\n\r\n";
    my $head = '';
    while ($head !~ /\r\n\r\n/) {
        sysread($s, my $buf, 1) or die "DevTools closed the handshake\n";
        $head .= $buf;
    }
    die "DevTools refused the WebSocket: $head" unless $head =~ m{^HTTP/1.1 101};
    $self->{sock} = $s;
    $self->{buf} = '';
}

sub send_text {
    my ($self, $text) = @_;
    my $len = length $text;
    my $frame = chr(0x81);
    if ($len < 126) {
        $frame .= chr(0x80 | $len);
    } elsif ($len < 65536) {
        $frame .= chr(0x80 | 126) . pack('n', $len);
    } else {
        $frame .= chr(0x80 | 127) . pack('Q>', $len);
    }
    my @mask = map { int rand 256 } 1 .. 4;
    $frame .= pack('C4', @mask);
    my $i = 0;
    $frame .= join '', map { chr(ord($_) ^ $mask[$i++ % 4]) } split //, $text;
    my $s = $self->{sock};
    print $s $frame;
}

sub need {
    my ($self, $n, $deadline) = @_;
    my $sel = IO::Select->new($self->{sock});
    while (length $self->{buf} < $n) {
        my $left = $deadline - time;
        die "DevTools timed out\n" if $left <= 0;
        next unless $sel->can_read($left);
        my $got = sysread($self->{sock}, my $chunk, 1 << 20);
        die "DevTools closed\n" unless $got;
        $self->{buf} .= $chunk;
    }
}

sub take {
    my ($self, $n, $deadline) = @_;
    $self->need($n, $deadline);
    return substr($self->{buf}, 0, $n, '');
}

# One whole message (continuation frames joined).
sub read_message {
    my ($self, $deadline) = @_;
    my $message = '';
    for (;;) {
        my ($b0, $b1) = unpack 'C2', $self->take(2, $deadline);
        my $len = $b1 & 0x7f;
        $len = unpack 'n', $self->take(2, $deadline) if $len == 126;
        $len = unpack 'Q>', $self->take(8, $deadline) if $len == 127;
        my $payload = $len ? $self->take($len, $deadline) : '';
        my $opcode = $b0 & 0x0f;
        next if $opcode == 9 || $opcode == 10;     # ping, pong
        die "DevTools closed the WebSocket\n" if $opcode == 8;
        $message .= $payload;
        return $message if $b0 & 0x80;
    }
}

# -- the protocol ------------------------------------------------------------

sub call {
    my ($self, $method, $params, $timeout) = @_;
    my $id = ++$self->{id};
    $self->send_text(encode_json({ id => $id, method => $method,
                                   params => $params // {} }));
    my $deadline = time + ($timeout // 60);
    for (;;) {
        my $m = decode_json($self->read_message($deadline));
        next unless defined $m->{id} && $m->{id} == $id;
        die "$method: $m->{error}{message}\n" if $m->{error};
        return $m->{result};
    }
}

# The value of a JavaScript expression in the page.
sub js {
    my ($self, $js) = @_;
    my $r = $self->call('Runtime.evaluate',
                        { expression => $js, returnByValue => JSON::PP::true,
                          awaitPromise => JSON::PP::true });
    die "JavaScript threw: $r->{exceptionDetails}{text}\n"
        if $r->{exceptionDetails};
    return $r->{result}{value};
}

# Waits until the expression is true; returns its last value.
sub wait_for {
    my ($self, $js, $timeout) = @_;
    my $deadline = time + ($timeout // 30);
    my $v;
    while (time < $deadline) {
        $v = $self->js($js);
        return $v if $v;
        sleep 0.2;
    }
    return $v;
}

sub navigate {
    my ($self, $url, %o) = @_;
    $self->call('Emulation.setDeviceMetricsOverride',
                { width => $o{width} // 1280, height => $o{height} // 900,
                  deviceScaleFactor => $o{scale} // 1,
                  mobile => $o{mobile} ? JSON::PP::true : JSON::PP::false });
    $self->call('Page.navigate', { url => $url });
    $self->wait_for(q{document.readyState === 'complete'
                      && location.href !== 'about:blank'}, 30)
        or die "$url did not load\n";
}

# The page as a PNG file: all of it, or its top max_height CSS pixels.
sub screenshot {
    my ($self, $file, %o) = @_;
    my $m = $self->call('Page.getLayoutMetrics');
    my $size = { %{ $m->{cssContentSize} || $m->{contentSize} } };
    $size->{height} = $o{max_height}
        if $o{max_height} && $size->{height} > $o{max_height};
    my $r = $self->call('Page.captureScreenshot',
                        { format => 'png', captureBeyondViewport => JSON::PP::true,
                          clip => { x => 0, y => 0, width => $size->{width},
                                    height => $size->{height}, scale => 1 } });
    CORE::open my $f, '>:raw', $file or die "$file: $!";
    print $f decode_base64($r->{data});
    close $f;
    return $file;
}

sub DESTROY {
    my ($self) = @_;
    return unless $self->{pid};
    kill 'TERM', $self->{pid};
    for (1 .. 50) {
        last if waitpid($self->{pid}, WNOHANG) != 0;
        sleep 0.1;
    }
    kill 'KILL', $self->{pid};
    waitpid($self->{pid}, 0);
    $self->{pid} = 0;
}

1;

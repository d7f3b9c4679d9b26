package Backends;

# Minimal FastCGI, SCGI and uwsgi servers for the integration tests: every
# request, whatever it asks, gets one fixed status, headers and body.
#
#   my $b = Backends->start(fastcgi => $port1, scgi => $port2,
#                           uwsgi => $port3,          # any subset
#                           status => 403, reason => 'Forbidden',
#                           headers => [ 'X-Secret' => 'leak' ],
#                           body => "forbidden\n");
#   $b->port('scgi');          # the port listened on (useful with port 0)
#   $b->requests('fastcgi');   # requests served so far on that protocol
#   $b->stop;                  # also done when $b goes away
#
# One child process serves all the ports, one connection (carrying one
# request) at a time; nginx is the only client, so that is plenty.

use strict;
use warnings;

use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::IP;
use POSIX ();
use Time::HiRes qw(time);    # a 5 s deadline, not 4 to 5

our $TIMEOUT = 5;    # seconds a connection may take to send its request

my @PROTOCOLS = qw(fastcgi scgi uwsgi);

sub start {
    my ($class, %opt) = @_;

    my $self = bless {
        dir   => tempdir('backends-XXXXXX', TMPDIR => 1, CLEANUP => 1),
        owner => $$,
        ports => {},
    }, $class;

    # Listen before forking: nginx may connect as soon as we return.
    my %listen;
    for my $proto (grep { defined $opt{$_} } @PROTOCOLS) {
        $listen{$proto} = IO::Socket::IP->new(
            LocalHost => '127.0.0.1', LocalPort => $opt{$proto},
            Proto => 'tcp', Listen => 64, ReuseAddr => 1)
            or die "Backends: $proto on 127.0.0.1:$opt{$proto}: $@";
        # a client that gives up between select and accept must not
        # leave us blocked in accept
        $listen{$proto}->blocking(0);
        $self->{ports}{$proto} = $listen{$proto}->sockport;
    }
    die "Backends: no port given (fastcgi, scgi or uwsgi)\n" unless %listen;

    my $response = response_text(\%opt);

    my $pid = fork // die "Backends: fork: $!";
    if ($pid == 0) {
        # Never return into the test script (its END blocks, Test::More's
        # summary, File::Temp's cleanup), whatever happens in here.
        eval { $self->serve(\%listen, $response) };
        POSIX::_exit(0);
    }

    close $_ for values %listen;
    $self->{pid} = $pid;
    return $self;
}

sub port { $_[0]{ports}{ $_[1] } }

sub requests {
    my ($self, $proto) = @_;
    # one byte per request: see count()
    return (-s "$self->{dir}/$proto") || 0;
}

sub stop {
    my ($self) = @_;
    # a forked copy of the test script must not stop the owner's server
    return unless $$ == ($self->{owner} // 0);
    my $pid = delete $self->{pid} or return;

    kill 'TERM', $pid;
    # reap it ourselves (PID 1 here does not); insist if it is stuck
    for (1 .. 50) {
        return if waitpid($pid, POSIX::WNOHANG()) != 0;
        select(undef, undef, undef, 0.1);
    }
    kill 'KILL', $pid;
    waitpid($pid, 0);
}

sub DESTROY { local ($?, $@, $!); $_[0]->stop }

# "Status: ..." CGI-style header block and body, shared by all protocols.
sub response_text {
    my ($opt) = @_;
    my $text = sprintf "Status: %d %s\r\n", $opt->{status} // 200,
                       $opt->{reason} // 'OK';
    my @h = @{ $opt->{headers} // [] };
    while (my ($name, $value) = splice @h, 0, 2) {
        $text .= "$name: $value\r\n";
    }
    return $text . "\r\n" . ($opt->{body} // '');
}

### the child ###

sub serve {
    my ($self, $listen, $response) = @_;

    $SIG{PIPE} = 'IGNORE';              # nginx may close early; carry on
    $SIG{TERM} = sub { POSIX::_exit(0) };
    $SIG{$_} = 'DEFAULT' for qw(ALRM CHLD INT HUP);
    # keep no pipe to the test harness open after the test is gone
    open STDIN, '<', '/dev/null';
    open STDOUT, '>', '/dev/null';

    my %proto_of = map { fileno($listen->{$_}) => $_ } keys %$listen;
    my $sel = IO::Select->new(values %$listen);

    while (1) {
        # the test died without stopping us, and we were reparented (its
        # pid was taken before the fork: it may be dead before we look)
        POSIX::_exit(0) if getppid != $self->{owner};

        for my $l ($sel->can_read(1)) {
            my $c = $l->accept or next;
            $c->blocking(1);
            binmode $c;
            my $proto = $proto_of{ fileno $l };
            my $conn = { sock => $c, buf => '', deadline => time + $TIMEOUT };
            # a malformed, slow or truncated request just loses its
            # connection (read_n() dies); the server keeps going
            eval {
                my $answer = $self->can("read_$proto")->($conn, $response);
                # count first: once the client has its answer, the count
                # must already include it
                $self->count($proto);
                write_all($conn, $answer);
            };
            close $c;
        }
    }
}

# One byte appended per request: an O_APPEND write of one byte is atomic,
# so requests() never sees a half-written counter.
sub count {
    my ($self, $proto) = @_;
    open my $fh, '>>', "$self->{dir}/$proto" or return;
    syswrite $fh, '.';
    close $fh;
}

# Exactly $n bytes from the connection, or dies (timeout, early close).
sub read_n {
    my ($conn, $n) = @_;
    my $sel = IO::Select->new($conn->{sock});
    while (length $conn->{buf} < $n) {
        my $left = $conn->{deadline} - time;
        die "timeout\n" if $left <= 0 || !$sel->can_read($left);
        my $got = sysread $conn->{sock}, $conn->{buf}, 65536,
                          length $conn->{buf};
        die "closed\n" unless $got;
    }
    return substr $conn->{buf}, 0, $n, '';
}

# Reads and drops $n bytes of request body, a piece at a time.
sub skip_n {
    my ($conn, $n) = @_;
    die "bad length\n" unless $n =~ /^\d+$/;
    while ($n > 0) {
        my $piece = $n > 65536 ? 65536 : $n;
        read_n($conn, $piece);
        $n -= $piece;
    }
}

sub write_all {
    my ($conn, $data) = @_;
    my $off = 0;
    while ($off < length $data) {
        my $put = syswrite $conn->{sock}, $data, length($data) - $off, $off;
        die "write: $!\n" unless defined $put;
        $off += $put;
    }
}

# FastCGI responder: BEGIN_REQUEST, PARAMS up to an empty one, STDIN up to
# an empty one; the answer is STDOUT records, an empty STDOUT record and
# END_REQUEST (FCGI_REQUEST_COMPLETE) with the request's id.
#
# FCGI_KEEP_CONN is not honoured: the connection is closed after every
# request, which nginx (fastcgi_keep_conn or not) copes with, and which
# keeps an idle kept-alive connection from blocking the other ports.
use constant {
    FCGI_BEGIN_REQUEST => 1, FCGI_END_REQUEST => 3, FCGI_PARAMS => 4,
    FCGI_STDIN => 5, FCGI_STDOUT => 6,
};

sub read_fastcgi {
    my ($conn, $response) = @_;
    my ($id, $params_done, $stdin_done);
    until ($params_done && $stdin_done) {
        my ($version, $type, $rid, $len, $pad) =
            unpack 'CCnnC', read_n($conn, 8);
        die "bad FastCGI version\n" unless $version == 1;
        skip_n($conn, $len + $pad);
        next if $rid == 0;               # management records: not ours
        if ($type == FCGI_BEGIN_REQUEST) {
            $id = $rid;
        } elsif (!defined $id || $rid != $id) {
            die "FastCGI record outside a request\n";
        } elsif ($type == FCGI_PARAMS) {
            $params_done = 1 if $len == 0;
        } elsif ($type == FCGI_STDIN) {
            $stdin_done = 1 if $len == 0;
        }
    }

    my $out = '';
    for (my $off = 0; $off < length $response; $off += 65535) {
        my $chunk = substr $response, $off, 65535;
        $out .= fcgi_record(FCGI_STDOUT, $id, $chunk);
    }
    $out .= fcgi_record(FCGI_STDOUT, $id, '');
    # appStatus 0, protocolStatus 0 (FCGI_REQUEST_COMPLETE), 3 reserved
    $out .= fcgi_record(FCGI_END_REQUEST, $id, pack 'NCx3', 0, 0);
    return $out;
}

sub fcgi_record {
    my ($type, $id, $content) = @_;
    return pack('CCnnCx', 1, $type, $id, length $content, 0) . $content;
}

# SCGI: a netstring "LEN:name\0value\0...," then CONTENT_LENGTH bytes.
sub read_scgi {
    my ($conn, $response) = @_;
    my $len = '';
    while ((my $ch = read_n($conn, 1)) ne ':') {
        die "bad netstring\n" unless $ch =~ /^\d$/ && length $len < 10;
        $len .= $ch;
    }
    die "bad netstring\n" unless length $len;
    my $headers = read_n($conn, $len);
    $headers =~ s/\0\z// or die "bad SCGI headers\n";
    my %env = split /\0/, $headers, -1;    # -1 keeps empty values
    die "bad netstring\n" unless read_n($conn, 1) eq ',';
    skip_n($conn, $env{CONTENT_LENGTH} || 0);
    return $response;
}

# uwsgi: modifier1 (u8), datasize (u16 LE), modifier2 (u8), the variables
# (u16 LE length + key, u16 LE length + value), then CONTENT_LENGTH bytes.
# The answer is a plain HTTP response, status line included.
sub read_uwsgi {
    my ($conn, $response) = @_;
    my (undef, $size) = unpack 'Cv', read_n($conn, 4);
    my $vars = read_n($conn, $size);
    my %env;
    while (length $vars) {
        die "bad uwsgi vars\n" if length $vars < 2;
        my $klen = unpack 'v', substr($vars, 0, 2, '');
        my $key = substr $vars, 0, $klen, '';
        die "bad uwsgi vars\n" if length $vars < 2;
        my $vlen = unpack 'v', substr($vars, 0, 2, '');
        die "bad uwsgi vars\n" if length $vars < $vlen;
        $env{$key} = substr $vars, 0, $vlen, '';
    }
    skip_n($conn, $env{CONTENT_LENGTH} || 0);
    (my $http = $response) =~ s{^Status: }{HTTP/1.1 };
    return $http;
}

1;

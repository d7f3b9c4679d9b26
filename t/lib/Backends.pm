package Backends;

# Minimal FastCGI, SCGI and uwsgi servers for the integration tests: every
# request, whatever it asks, gets one fixed status, headers and body.
#
#   my $b = Backends->start(fastcgi => $port1, scgi => $port2,
#                           uwsgi => $port3, status => 403,
#                           reason => 'Forbidden',
#                           headers => [ 'X-Secret' => 'leak' ],
#                           body => "forbidden\n");
#   $b->requests('fastcgi');   # requests served so far on that protocol
#   $b->stop;                  # also done when $b goes away
#
# One child process serves all the ports, a connection at a time.

use strict;
use warnings;

use IO::Socket::IP;
use IO::Select;
use File::Temp qw(tempdir);
use POSIX qw(WNOHANG);

sub start {
    my ($class, %opt) = @_;
    my $self = bless { dir => tempdir('backends-XXXXXX', TMPDIR => 1,
                                      CLEANUP => 1) }, $class;

    # listen before forking, so that nginx can connect as soon as we return
    my %listen;
    for my $proto (qw(fastcgi scgi uwsgi)) {
        next unless $opt{$proto};
        $listen{$proto} = IO::Socket::IP->new(
            LocalHost => '127.0.0.1', LocalPort => $opt{$proto},
            Proto => 'tcp', Listen => 16, ReuseAddr => 1)
            or die "backend $proto on port $opt{$proto}: $!";
    }

    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        $self->serve(\%listen, \%opt);
        POSIX::_exit(0);
    }
    close $_ for values %listen;
    $self->{pid} = $pid;
    return $self;
}

sub requests {
    my ($self, $proto) = @_;
    open my $fh, '<', "$self->{dir}/$proto" or return 0;
    local $/;
    return length(<$fh> // '');
}

sub stop {
    my ($self) = @_;
    my $pid = delete $self->{pid} or return;
    kill 'TERM', $pid;
    waitpid($pid, 0);
}

sub DESTROY { $_[0]->stop }

sub serve {
    my ($self, $listen, $opt) = @_;
    $SIG{PIPE} = 'IGNORE';
    $SIG{TERM} = sub { POSIX::_exit(0) };
    my $parent = getppid;

    my %proto_of = map { fileno($listen->{$_}) => $_ } keys %$listen;
    my $sel = IO::Select->new(values %$listen);

    my $fields = "Status: $opt->{status} $opt->{reason}\r\n";
    my @h = @{ $opt->{headers} // [] };
    while (my ($k, $v) = splice @h, 0, 2) {
        $fields .= "$k: $v\r\n";
    }
    $fields .= "\r\n" . ($opt->{body} // '');

    while (1) {
        POSIX::_exit(0) if getppid != $parent;    # the test is gone
        for my $l ($sel->can_read(1)) {
            my $c = $l->accept or next;
            binmode $c;
            my $proto = $proto_of{ fileno $l };
            my $served = eval {
                $self->can("answer_$proto")->($c, $fields, $opt);
            };
            close $c;
            if ($served) {
                open my $fh, '>>', "$self->{dir}/$proto";
                print $fh '.';
                close $fh;
            }
        }
    }
}

# Reads exactly $n bytes, or dies (timeout, early close).
sub read_n {
    my ($c, $n) = @_;
    my $buf = '';
    my $sel = IO::Select->new($c);
    while (length $buf < $n) {
        die "timeout\n" unless $sel->can_read(5);
        my $got = sysread($c, $buf, $n - length $buf, length $buf);
        die "closed\n" unless $got;
    }
    return $buf;
}

# FastCGI: BEGIN_REQUEST, PARAMS up to an empty one, STDIN up to an empty
# one; the answer is STDOUT records, an empty STDOUT and END_REQUEST.
sub answer_fastcgi {
    my ($c, $fields) = @_;
    my ($id, $params_done, $stdin_done);
    until ($params_done && $stdin_done) {
        my ($ver, $type, $rid, $len, $pad) = unpack('CCnnC', read_n($c, 8));
        read_n($c, $len + $pad) if $len + $pad;
        $id //= $rid;
        $params_done = 1 if $type == 4 && $len == 0;
        $stdin_done = 1 if $type == 5 && $len == 0;
    }
    my $out = '';
    for (my $off = 0; $off < length $fields; $off += 65535) {
        my $chunk = substr($fields, $off, 65535);
        $out .= pack('CCnnCC', 1, 6, $id, length $chunk, 0, 0) . $chunk;
    }
    $out .= pack('CCnnCC', 1, 6, $id, 0, 0, 0);
    $out .= pack('CCnnCC', 1, 3, $id, 8, 0, 0) . pack('NCx3', 0, 0);
    print $c $out;
    return 1;
}

# SCGI: a netstring of NUL-separated headers, then CONTENT_LENGTH bytes.
sub answer_scgi {
    my ($c, $fields) = @_;
    my $len = '';
    while ((my $ch = read_n($c, 1)) ne ':') {
        die "bad netstring\n" unless $ch =~ /\d/;
        $len .= $ch;
    }
    my %env = split /\0/, read_n($c, $len);
    read_n($c, 1);                                   # the ','
    read_n($c, $env{CONTENT_LENGTH}) if $env{CONTENT_LENGTH};
    print $c $fields;
    return 1;
}

# uwsgi: a 4-byte header, the variables, then CONTENT_LENGTH bytes; the
# answer is a plain HTTP response.
sub answer_uwsgi {
    my ($c, $fields, $opt) = @_;
    my (undef, $size) = unpack('Cv', read_n($c, 4));
    my $vars = read_n($c, $size);
    my %env;
    while (length $vars) {
        my $klen = unpack('v', substr($vars, 0, 2, ''));
        my $k = substr($vars, 0, $klen, '');
        my $vlen = unpack('v', substr($vars, 0, 2, ''));
        $env{$k} = substr($vars, 0, $vlen, '');
    }
    read_n($c, $env{CONTENT_LENGTH}) if $env{CONTENT_LENGTH};
    (my $http = $fields) =~ s{^Status: }{HTTP/1.1 };
    print $c $http;
    return 1;
}

1;

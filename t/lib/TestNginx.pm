package TestNginx;

# A small harness for the integration tests: starts a real nginx with the
# built module in a private temporary prefix on free loopback ports, and
# talks to it over raw HTTP/1.1 sockets and HTTP/2 (curl).
#
#   my $t = TestNginx->new(http => '...%%PORT%%...', files => {...});
#   $t->start;  my $r = $t->get('/path');  is($r->{status}, 410);
#
# Environment: NGINX_BIN (nginx, freenginx or angie), STATUS_POLICY_MODULE,
# SPTEST_KEEP=1 keeps the temporary prefix (its path is printed).

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::IP;
use JSON::PP ();
use POSIX qw(:sys_wait_h);
use Socket qw(SOCK_STREAM);
use Time::HiRes qw(sleep time);

our $ROOT = abs_path(dirname(__FILE__) . '/../..');
our $MODULE = $ENV{STATUS_POLICY_MODULE}
    || "$ROOT/build/nginx/ngx_http_status_policy_module.so";

# The server binary: NGINX_BIN, else the one built beside the module from
# a full source tree (Angie's is "angie"), else Debian's nginx.
our $NGINX = $ENV{NGINX_BIN}
    || (grep { -x } map { dirname($MODULE) . "/$_" } qw(angie nginx))[0]
    || '/usr/sbin/nginx';

# Every nginx process runs 20-50 times slower under valgrind (the wrapper
# is named nginx-valgrind): the harness's waits for nginx grow with it.
our $SLOW = $NGINX =~ /-valgrind$/ ? 6 : 1;

sub new {
    my ($class, %args) = @_;

    my $self = bless {
        http   => $args{http} // '',
        main   => $args{main} // '',
        files  => $args{files} // {},
        module => $args{module} // 1,
        user   => $args{user},
        workers => $args{workers} // 1,
        ports  => [],
    }, $class;

    $self->{prefix} = tempdir('sptest-XXXXXX', TMPDIR => 1,
                              CLEANUP => !$ENV{SPTEST_KEEP});
    print STDERR "# prefix: $self->{prefix}\n" if $ENV{SPTEST_KEEP};

    $self->{ports} = [ map { free_port() } 1 .. ($args{ports} // 2) ];
    $self->write_files;
    return $self;
}

sub prefix { $_[0]{prefix} }
sub port { $_[0]{ports}[ ($_[1] // 1) - 1 ] }

# A port nobody listens on now.  The kernel hands out ephemeral ports in
# sequence, so parallel test files do not collide in practice.
sub free_port {
    my $s = IO::Socket::IP->new(LocalHost => '127.0.0.1', LocalPort => 0,
                                Proto => 'tcp', Listen => 1, ReuseAddr => 0)
        or die "no free port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

sub substitute {
    my ($self, $text) = @_;
    $text =~ s/%%PORT(\d*)%%/$self->port($1 || 1)/ge;
    $text =~ s/%%PREFIX%%/$self->{prefix}/g;
    return $text;
}

sub write_file {
    my ($self, $name, $content) = @_;
    my $path = "$self->{prefix}/$name";
    (my $dir = $path) =~ s{/[^/]*$}{};
    system('mkdir', '-p', $dir) == 0 or die "mkdir $dir";
    open my $fh, '>', $path or die "$path: $!";
    binmode $fh;
    print $fh $self->substitute($content);
    close $fh;
    return $path;
}

sub write_files {
    my ($self) = @_;
    my $p = $self->{prefix};

    $self->write_file($_, $self->{files}{$_}) for keys %{ $self->{files} };

    my $load = $self->{module} ? "load_module $MODULE;" : '';
    # workers run as root, unless a test needs them unprivileged (then
    # they must be able to read the prefix)
    my $user = $> == 0 ? 'user ' . ($self->{user} // 'root') . ';' : '';
    chmod 0755, $p if $self->{user};

    $self->write_file('nginx.conf', <<"CONF");
$load
$user
daemon off;
master_process on;
worker_processes $self->{workers};
pid $p/nginx.pid;
error_log $p/error.log info;
$self->{main}

events {
    worker_connections 256;
}

http {
    client_body_temp_path $p/client_body_temp;
    proxy_temp_path       $p/proxy_temp;
    fastcgi_temp_path     $p/fastcgi_temp;
    uwsgi_temp_path       $p/uwsgi_temp;
    scgi_temp_path        $p/scgi_temp;

    log_format sptest '\$status "\$request" rule=\$status_policy_rule '
                      'action=\$status_policy_action';
    access_log $p/access.log sptest;

$self->{http}
}
CONF
}

# Runs "nginx -t"; returns (exit code, output).
sub test_config {
    my ($self) = @_;
    my $p = $self->{prefix};
    my $out = `'$NGINX' -t -p '$p/' -c '$p/nginx.conf' -e '$p/error.log' 2>&1`;
    return ($? >> 8, $out);
}

# Starts nginx; if a port was taken meanwhile (by a test running in
# parallel), picks new ones for the ports nginx could not bind and tries
# again.  The others stay: servers the test started may listen there.
sub start {
    my ($self) = @_;
    for my $attempt (1 .. 5) {
        my $ok = eval { $self->start_once; 1 };
        return $self if $ok;
        die $@ unless $@ =~ /Address already in use/ && $attempt < 5;
        my %taken = map { $_ => 1 }
            $@ =~ /bind\(\) to [\d.]+:(\d+) failed \(98:/g;
        $self->{ports} = [ map { !%taken || $taken{$_} ? free_port() : $_ }
                           @{ $self->{ports} } ];
        unlink "$self->{prefix}/error.log", "$self->{prefix}/stderr.log";
        $self->write_files;
    }
}

sub start_once {
    my ($self) = @_;
    my $p = $self->{prefix};

    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDOUT, '>>', "$p/stderr.log";
        open STDERR, '>>', "$p/stderr.log";
        exec $NGINX, '-p', "$p/", '-c', "$p/nginx.conf", '-e', "$p/error.log";
        exit 127;
    }
    $self->{pid} = $pid;
    $self->{owner} = $$;

    # nginx writes its pid file once its listening sockets are bound: a
    # connect() alone could reach whoever else holds the port.
    my $deadline = time + 10 * $SLOW;
    while (time < $deadline) {
        if (waitpid($pid, WNOHANG) == $pid) {
            delete $self->{pid};
            die "nginx exited at start:\n" . $self->slurp('stderr.log')
                . $self->error_log;
        }
        if ($self->slurp('nginx.pid') =~ /^$pid$/m) {
            my $s = IO::Socket::IP->new(PeerHost => '127.0.0.1',
                                        PeerPort => $self->port,
                                        Proto => 'tcp');
            return $self if $s;
        }
        sleep 0.05;
    }
    die "nginx did not start on port " . $self->port . "\n" . $self->error_log;
}

# "nginx -s reload": returns once the new workers have started.
sub reload {
    my ($self) = @_;
    my $before = () = $self->error_log =~ /start worker process/g;
    kill 'HUP', $self->{pid};
    my $deadline = time + 10 * $SLOW;
    while (time < $deadline) {
        my $now = () = $self->error_log =~ /start worker process/g;
        return 1 if $now >= $before + $self->{workers};
        sleep 0.05;
    }
    die "nginx did not reload:\n" . $self->error_log;
}

# Reloads, then waits for the old workers to be gone too, so that every
# request after it meets a worker of the new configuration.
sub reload_and_drain {
    my ($self) = @_;
    my $exited = sub { scalar(() = $self->error_log =~ /worker process \d+ exited/g) };
    my $before = $exited->();
    $self->reload;
    my $deadline = time + 10 * $SLOW;
    while ($exited->() < $before + $self->{workers}) {
        die "the old workers did not exit:\n" . $self->error_log
            if time > $deadline;
        sleep 0.05;
    }
}

# Sends HUP for a configuration nginx must refuse; true when the error log
# shows $error and no worker was started.
sub reload_refused {
    my ($self, $error) = @_;
    my $started = sub { scalar(() = $self->error_log =~ /start worker process/g) };
    my $before = $started->();
    kill 'HUP', $self->{pid};
    my $refused = $self->wait_for_log($error, undef, 10);
    return $refused && $started->() == $before;
}

sub stop {
    my ($self) = @_;
    # a forked copy of the test (a parallel client) must not stop nginx
    return if ($self->{owner} // $$) != $$;
    my $pid = delete $self->{pid} or return;

    kill 'QUIT', $pid;
    for my $signal (qw(TERM KILL)) {
        my $deadline = time + 5;
        while (time < $deadline) {
            return if waitpid($pid, WNOHANG) == $pid;
            sleep 0.05;
        }
        kill $signal, $pid;
    }
    waitpid($pid, 0);
}

sub DESTROY { $_[0]->stop }

sub slurp {
    my ($self, $name) = @_;
    open my $fh, '<', "$self->{prefix}/$name" or return '';
    binmode $fh;
    local $/;
    return scalar <$fh>;
}

sub error_log { $_[0]->slurp('error.log') }
sub access_log { $_[0]->slurp('access.log') }

# Waits until a log (error.log by default) matches; returns the match.
sub wait_for_log {
    my ($self, $re, $name, $timeout) = @_;
    $name //= 'error.log';
    my $deadline = time + ($timeout // 5) * $SLOW;
    while (1) {
        my $log = $self->slurp($name);
        return $1 // $& if $log =~ $re;
        return undef if time > $deadline;
        sleep 0.05;
    }
}

# $from: a local address to connect from (any 127.x.y.z works on Linux).
sub connect {
    my ($self, $port, $from) = @_;
    my $s = IO::Socket::IP->new(PeerHost => '127.0.0.1',
                                PeerPort => $port // $self->port,
                                ($from ? (LocalHost => $from) : ()),
                                Proto => 'tcp', Timeout => 5)
        or die "connect: $!";
    return $s;
}

# One request over HTTP/1.1 with an optional body, as a client of the
# zones' API sends it: the parsed response, with {json} decoded from an
# application/json body.
sub api {
    my ($self, $method, $path, $body) = @_;
    my $len = defined $body ? "Content-Length: " . length($body) . "\r\n" : '';
    my $data = $self->raw("$method $path HTTP/1.1\r\nHost: localhost\r\n"
                          . "Connection: close\r\n$len\r\n" . ($body // ''));
    my ($r) = parse_responses($data, $method eq 'HEAD');
    $r //= { status => 0, headers => {}, body => '' };
    $r->{json} = eval { JSON::PP::decode_json($r->{body}) }
        if ($r->{headers}{'content-type'} // '') eq 'application/json';
    return $r;
}

# Sends raw bytes, reads until the server closes (or $timeout seconds of
# silence); returns what was read.
sub raw {
    my ($self, $bytes, %opt) = @_;
    my $s = $self->connect($opt{port}, $opt{from});
    binmode $s;
    print $s $bytes;
    return read_all($s, $opt{timeout} // 5);
}

sub read_all {
    my ($s, $timeout) = @_;
    my $sel = IO::Select->new($s);
    my $data = '';
    while ($sel->can_read($timeout)) {
        my $n = sysread($s, my $buf, 65536);
        last unless $n;
        $data .= $buf;
    }
    return $data;
}

# One request with "Connection: close"; returns the parsed response.
sub get {
    my ($self, $path, %opt) = @_;
    my $method = $opt{method} // 'GET';
    my $headers = join '', map { "$_\r\n" } @{ $opt{headers} // [] };
    my $host = $opt{host} // 'localhost';
    my $data = $self->raw("$method $path HTTP/1.1\r\nHost: $host\r\n"
                          . "Connection: close\r\n$headers\r\n", %opt);
    my ($r) = parse_responses($data, $method eq 'HEAD');
    return $r // { status => 0, raw => $data, headers => {}, body => '' };
}

# Several requests on one connection, the last one closing it.
sub get_keepalive {
    my ($self, @paths) = @_;
    my $req = '';
    for my $i (0 .. $#paths) {
        my $close = $i == $#paths ? "Connection: close\r\n" : '';
        $req .= "GET $paths[$i] HTTP/1.1\r\nHost: localhost\r\n$close\r\n";
    }
    return parse_responses($self->raw($req));
}

sub parse_responses {
    my ($data, $head) = @_;
    my @responses;

    while (length $data) {
        my $before = $data;
        my $end = index($data, "\r\n\r\n");
        last if $end < 0;
        my ($status_line, @lines) = split /\r\n/, substr($data, 0, $end);
        substr($data, 0, $end + 4) = '';

        my ($version, $status, $reason) =
            $status_line =~ m{^(HTTP/\d\.\d) (\d{3}) ?(.*)$} or last;
        my %h;
        my @order;
        for (@lines) {
            my ($k, $v) = /^([^:]+):\s*(.*)$/ or next;
            push @order, $k;
            push @{ $h{lc $k} }, $v;
        }
        my %headers = map { $_ => join(', ', @{ $h{$_} }) } keys %h;

        my $body = '';
        if ($head || $status =~ /^(1..|204|304)$/) {
        } elsif (($headers{'transfer-encoding'} // '') =~ /chunked/i) {
            while ($data =~ s/^([0-9a-fA-F]+)[^\r\n]*\r\n//) {
                my $n = hex $1;
                $body .= substr($data, 0, $n);
                substr($data, 0, $n + 2) = '';
                if ($n == 0) {
                    $data =~ s/^\r\n//;
                    last;
                }
            }
        } elsif (defined $headers{'content-length'}) {
            $body = substr($data, 0, $headers{'content-length'});
            substr($data, 0, length $body) = '';
        } else {
            $body = $data;
            $data = '';
        }

        # the exact bytes of this response, for byte-for-byte comparisons
        my $raw = substr($before, 0, length($before) - length($data));

        push @responses, { version => $version, status => $status,
                           reason => $reason, headers => \%headers,
                           header_order => \@order, body => $body,
                           raw => $raw };
    }
    return @responses;
}

# An HTTP/2 request with curl (prior knowledge, cleartext).  Returns
# { status, headers, body, exit } where exit is curl's exit code.
sub h2 {
    my ($self, $path, %opt) = @_;
    my $p = $self->{prefix};
    my $port = $opt{port} // $self->port(2);
    my @cmd = ('curl', '-sS', '--http2-prior-knowledge', '-o', "$p/h2.body",
               '-D', "$p/h2.headers", '-m', '5',
               ($opt{from} ? ('--interface', $opt{from}) : ()),
               ($opt{method} ? ('-X', $opt{method}) : ()),
               (map { ('-H', $_) } @{ $opt{headers} // [] }),
               (defined $opt{body} ? ('--data-binary', $opt{body}) : ()),
               "http://127.0.0.1:$port$path");
    unlink "$p/h2.body", "$p/h2.headers";
    system(join(' ', map { "'$_'" } @cmd) . " 2>/dev/null");
    my $exit = $? >> 8;

    my $hdr = $self->slurp('h2.headers');
    my ($status) = $hdr =~ m{^HTTP/2 (\d{3})}m;
    my %headers;
    for (split /\r\n/, $hdr) {
        my ($k, $v) = /^([^:]+):\s*(.*)$/ or next;
        $headers{lc $k} = $v;
    }
    return { status => $status // 0, headers => \%headers,
             head => $hdr, body => $self->slurp('h2.body'), exit => $exit };
}

# HTTP/3 requests with gtlsclient (ngtcp2-client), each path a stream of
# one QUIC connection to port $opt{port} (default port 3), in order:
# stream ids 0, 4, 8...  Returns { streams => { ID => { status, headers,
# body, reset } }, close => the server's CONNECTION_CLOSE line or undef,
# seconds => how long the client ran,
# out => the whole output, exit }.  "reset" is the application error
# code of a RESET_STREAM the server sent on the stream.
sub h3 {
    my ($self, $paths, %opt) = @_;
    my $port = $opt{port} // $self->port(3);
    # until_closed: wait for the server to close the connection, rather
    # than leaving once every stream is done
    my @cmd = ('timeout', '15', 'gtlsclient',
               ($opt{until_closed} ? () : '--exit-on-all-streams-close'),
               '--timeout=5s', ($opt{method} ? ('-m', $opt{method}) : ()),
               '127.0.0.1', $port,
               map { "https://localhost:$port$_" } @$paths);
    my $t0 = time;
    my $out = `@{[ join ' ', map { "'$_'" } @cmd ]} 2>&1`;
    my $exit = $? >> 8;
    my $seconds = time - $t0;

    my (%streams, $body_of, $close);
    for my $line (split /\n/, $out) {
        if (defined $body_of) {
            if ($line =~ /^[0-9a-f]{8}  ((?:[0-9a-f]{2} {1,2})+)/) {
                $streams{$body_of}{body} .= join '', map { chr hex }
                                            split ' ', $1;
                next;
            }
            undef $body_of;
        }
        if ($line =~ /^http: stream 0x([0-9a-f]+) \[([^:\]]*|:status): (.*)\]$/) {
            my $s = $streams{ hex $1 } //= { headers => {}, body => '' };
            if ($2 eq ':status') { $s->{status} = $3 }
            else { $s->{headers}{ lc $2 } = $3 }
        } elsif ($line =~ /^http: stream 0x([0-9a-f]+) body \d+ bytes/) {
            $body_of = hex $1;
            $streams{$body_of} //= { headers => {}, body => '' };
        } elsif ($line =~ /frm rx .*RESET_STREAM\(0x04\) id=0x([0-9a-f]+) app_error_code=\S*\(0x([0-9a-f]+)\)/) {
            $streams{ hex $1 }{reset} = hex $2;
        } elsif ($line =~ /frm rx .*CONNECTION_CLOSE/) {
            $close //= $line;
        }
    }
    return { streams => \%streams, close => $close, out => $out,
             exit => $exit, seconds => $seconds };
}

1;

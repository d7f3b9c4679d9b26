# The harness itself: when a port nginx should listen on is taken at
# start (a test running in parallel got it first), only that port is
# picked again, so that servers the test started on its other ports (the
# FastCGI, SCGI and uwsgi backends of t/mask.t) are still where nginx
# is told to find them.

use strict;
use warnings;
use Test::More;
use IO::Socket::IP;
use POSIX ();
use lib 't/lib';
use TestNginx;

my $t = TestNginx->new(
    ports => 2,
    http => <<'HTTP');
    server {
        listen 127.0.0.1:%%PORT%%;
        location / { proxy_pass http://127.0.0.1:%%PORT2%%; }
    }
HTTP

# port 1 taken by someone else; port 2 the test's own upstream
my $squatter = IO::Socket::IP->new(LocalHost => '127.0.0.1',
                                   LocalPort => $t->port(1), Listen => 1,
                                   ReuseAddr => 1)
    or die "cannot take port: $!";
my $upstream = IO::Socket::IP->new(LocalHost => '127.0.0.1',
                                   LocalPort => $t->port(2), Listen => 5,
                                   ReuseAddr => 1)
    or die "cannot listen: $!";
my $child = fork // die "fork: $!";
if ($child == 0) {
    while (my $c = $upstream->accept) {
        my $req = '';
        sysread($c, $req, 65536, length $req) while $req !~ /\r\n\r\n/;
        print $c "HTTP/1.0 200 OK\r\nContent-Length: 21\r\n\r\n"
                 . "upstream on its port\n";
        close $c;
    }
    POSIX::_exit(0);
}
close $upstream;
my ($before1, $before2) = ($t->port(1), $t->port(2));

$t->start;
isnt($t->port(1), $before1, 'the taken port is picked again');
is($t->port(2), $before2, 'the other port stays');
is($t->get('/')->{body}, "upstream on its port\n",
   'and nginx still reaches what listens there');

$t->stop;
kill 'TERM', $child;
waitpid $child, 0;
done_testing;

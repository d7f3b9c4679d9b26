# status_mask against a prober: for every source of a 403, a masked answer
# is byte for byte (all but Date) what the same location answers for a
# resource that does not exist, asked the same way: every method nginx
# knows and an unknown one, HEAD, Range, conditional headers, a body with
# "Expect: 100-continue", HTTP/1.0, keep-alive and pipelining, over
# HTTP/1.1 and HTTP/2.  The genuine answer comes from a twin location: the
# same directives without the one that makes the 403, asked for a missing
# file (for an upstream: its own 404 for a missing path).

use strict;
use warnings;
use Test::More;
use lib 't/lib';
use TestNginx;
use Backends;
use H2Frames;
use IO::Select;

# PORT main, PORT2 h2, PORT3 proxy backend, PORT4 grpc backend (h2c),
# PORT5-7 FastCGI, SCGI, uwsgi answering 403, PORT8-10 answering 404.

my %source = (
    deny          => { conf => 'deny all;' },
    auth_request  => { conf => 'auth_request /authz;' },
    satisfy_any   => { conf => 'satisfy any; allow 127.0.0.2; deny all; '
                                . 'auth_request /authz;' },
    return_code   => { conf => 'return 403;' },
    return_text   => { conf => 'return 403 "denied text\n";' },
    unreadable    => { conf => '', path => 'unreadable.html' },
    directory     => { conf => '', path => 'dir/' },
    # the slash redirect of a directory without index, closed by try_files
    dir_no_slash  => { conf => 'try_files $uri =404;', path => 'dir',
                       twin => 'try_files $uri =404;' },
    dir_try_files => { conf => 'try_files $uri =404;', path => 'dir/',
                       twin => 'try_files $uri =404;' },
    try_files     => { conf => 'try_files /nowhere =403;',
                       twin => 'try_files $uri =404;' },
    alias         => { conf => 'alias %%PREFIX%%/private/;',
                       path => 'unreadable.html' },
    error_page    => { conf => 'error_page 404 /errors/404.html; deny all;',
                       twin => 'error_page 404 /errors/404.html;' },
    proxy         => { conf => 'proxy_pass http://127.0.0.1:%%PORT3%%/forbidden/;',
                       twin => 'proxy_pass http://127.0.0.1:%%PORT3%%/missing/;' },
    proxy_intercept => {
        conf => 'proxy_intercept_errors on; '
                . 'proxy_pass http://127.0.0.1:%%PORT3%%/forbidden/;',
        twin => 'proxy_intercept_errors on; '
                . 'proxy_pass http://127.0.0.1:%%PORT3%%/missing/;' },
    fastcgi       => { conf => 'fastcgi_pass 127.0.0.1:%%PORT5%%;',
                       twin => 'fastcgi_pass 127.0.0.1:%%PORT8%%;' },
    scgi          => { conf => 'scgi_pass 127.0.0.1:%%PORT6%%;',
                       twin => 'scgi_pass 127.0.0.1:%%PORT9%%;' },
    uwsgi         => { conf => 'uwsgi_pass 127.0.0.1:%%PORT7%%;',
                       twin => 'uwsgi_pass 127.0.0.1:%%PORT10%%;' },
    grpc          => { conf => 'grpc_pass grpc://127.0.0.1:%%PORT4%%;' },
);

my (%files, $locations);
for my $s (sort keys %source) {
    my $twin = $source{$s}{twin} // ($s eq 'unreadable' || $s eq 'directory'
                                     || $s eq 'alias' || $s eq 'grpc'
                                     ? $source{$s}{conf} : '');
    $locations .= <<"LOC";
        location /$s/ {
            status_mask 403;
            $source{$s}{conf}
        }
        location /$s-twin/ {
            status_mask 403;
            $twin
        }
LOC
    $files{"html/$s/page.html"} = "a page\n";
    $files{"html/$s/unreadable.html"} = "unreadable\n";
    $files{"html/$s/dir/.keep"} = '';
    $files{"html/$s-twin/page.html"} = "a page\n";
}
$files{'private/unreadable.html'} = "unreadable\n";
$files{'html/plain-dir/sub/.keep'} = '';

my $t = TestNginx->new(
    ports => 10,
    user => 'nobody nogroup',
    files => {
        %files,
        'html/errors/404.html' => "static not found page\n",
    },
    http => <<"HTTP");
    server {
        listen 127.0.0.1:%%PORT%%;
        listen 127.0.0.1:%%PORT2%% http2;
        server_name localhost;
        root %%PREFIX%%/html;

$locations
        location /errors/ {
            internal;
        }

        location = /authz {
            internal;
            return 403;
        }

        location /upload/ {
            status_mask 403;
            proxy_pass http://127.0.0.1:%%PORT3%%/echo/;
        }

        location /own-404/ {
            status_mask 403;
            status_mask_upstream_404 pass;
            proxy_pass http://127.0.0.1:%%PORT3%%/missing/;
        }

        location /plain-dir/ {
            status_mask 403;
        }

        location /up405/ {
            status_mask 403 405;
            proxy_pass http://127.0.0.1:%%PORT3%%/not-allowed/;
        }

        location /up405-masked/ {
            status_mask 403 405;
            proxy_pass http://127.0.0.1:%%PORT3%%/forbidden/;
        }
    }

    server {
        listen 127.0.0.1:%%PORT3%%;

        location /forbidden/ {
            add_header X-Backend-Secret leak always;
            return 403 "backend forbidden body\\n";
        }

        location /missing/ {
            add_header X-Backend-Own yes always;
            return 404 "the backend's own not found page\\n";
        }

        location /not-allowed/ {
            add_header X-Backend-Own yes always;
            return 405 "the backend's own 405\\n";
        }

        # the length of the body the proxy read and forwarded (freenginx
        # leaves \$content_length empty once "return" discards a body)
        location /echo/ {
            return 200 "read \$http_content_length bytes\\n";
        }
    }

    server {
        listen 127.0.0.1:%%PORT4%% http2;

        location /grpc/ {
            add_header X-Backend-Secret leak always;
            return 403 "grpc forbidden body\\n";
        }

        location /grpc-twin/ {
            add_header X-Backend-Own yes always;
            return 404 "grpc own not found page\\n";
        }
    }
HTTP

for my $dir ("html/unreadable", "html/alias", "private") {
    my $path = $t->prefix . "/$dir/unreadable.html";
    chmod 0000, $path or die "chmod $path: $!";
}
chmod 0000, $t->prefix . '/html/unreadable/unreadable.html';

my $b403 = Backends->start(
    fastcgi => $t->port(5), scgi => $t->port(6), uwsgi => $t->port(7),
    status => 403, reason => 'Forbidden',
    headers => [ 'X-Backend-Secret' => 'leak', 'Content-Type' => 'text/plain' ],
    body => "backend forbidden body\n");
my $b404 = Backends->start(
    fastcgi => $t->port(8), scgi => $t->port(9), uwsgi => $t->port(10),
    status => 404, reason => 'Not Found',
    headers => [ 'X-Backend-Own' => 'yes', 'Content-Type' => 'text/plain' ],
    body => "the backend's own not found page\n");

$t->start;

sub without_date {
    my ($text) = @_;
    $text =~ s/^Date: [^\r\n]*\r?\n//mig;
    return $text;
}

# The probes: [ name, request line method, headers, body, HTTP version ].
my @methods = qw(GET HEAD POST PUT DELETE OPTIONS PROPFIND PROPPATCH PATCH
                 MKCOL COPY MOVE LOCK UNLOCK TRACE PROBE);
my %with_body = map { $_ => 1 } qw(POST PUT PATCH PROPFIND);
my @probes = (
    (map { [ $_, $_, [], $with_body{$_} ? 'x=1&y' : undef ] } @methods),
    [ 'Range', 'GET', [ 'Range: bytes=0-3' ] ],
    [ 'If-None-Match', 'GET', [ 'If-None-Match: "abc"' ] ],
    [ 'If-Modified-Since', 'GET',
      [ 'If-Modified-Since: Mon, 01 Jan 2024 00:00:00 GMT' ] ],
    [ 'Expect: 100-continue, POST', 'POST', [ 'Expect: 100-continue' ], 'body!' ],
    [ 'Expect: 100-continue, PUT', 'PUT', [ 'Expect: 100-continue' ], 'body!' ],
    [ 'chunked body', 'POST', [ 'Transfer-Encoding: chunked' ],
      "5\r\nbody!\r\n0\r\n\r\n", 'HTTP/1.1', 'raw body' ],
    [ 'CONNECT', 'CONNECT', [] ],
);

sub request {
    my ($path, $probe, $close, $version) = @_;
    my ($name, $method, $headers, $body, undef, $raw_body) = @$probe;
    $version //= 'HTTP/1.1';
    my $text = "$method $path $version\r\nHost: localhost\r\n";
    $text .= "$_\r\n" for @$headers;
    $text .= "Content-Length: " . length($body) . "\r\n"
        if defined $body && !$raw_body;
    $text .= "Connection: close\r\n" if $close;
    return $text . "\r\n" . ($body // '');
}

# Every probe pipelined on one connection (the last one closes it), then
# each on its own connection; and HTTP/1.0.
sub probe_http1 {
    my ($path) = @_;
    my %out;
    $out{pipelined} = without_date($t->raw(join '',
        map { request($path, $probes[$_], $_ == $#probes) } 0 .. $#probes));
    for my $p (@probes) {
        $out{$p->[0]} = without_date($t->raw(request($path, $p, 1)));
    }
    $out{'HTTP/1.0'} = without_date($t->raw(request($path, $probes[0], 0,
                                                    'HTTP/1.0')));
    $out{'HTTP/1.0 keep-alive'} = without_date($t->raw(
        request($path, [ 'ka', 'GET', [ 'Connection: keep-alive' ] ], 0,
                'HTTP/1.0')
        . request($path, $probes[0], 1)));
    return \%out;
}

# HTTP/2 with curl, the methods without a body (whether nginx has read a
# body when it answers is a race with curl's writes, genuine 404s alike),
# then with a body sent with the request in one write, frame by frame:
# what the server sends on the stream, and whether it resets it.
sub probe_h2 {
    my ($path) = @_;
    my %out;
    for my $p (@probes) {
        my ($name, $method, $headers) = @$p;
        next if $name =~ /^Expect|chunked|CONNECT|TRACE/;
        my $r = $t->h2($path, method => $method, headers => $headers);
        $out{$name} = without_date($r->{head}) . $r->{body};
    }
    for my $method (qw(POST PUT)) {
        my $h2 = H2Frames->new(port => $t->port(2));
        $h2->request(1, $path, method => $method, body => 'x=1&y',
                     headers => [ 'content-length' => 5 ]);
        $h2->read_frames(timeout => 1,
                         until => sub { $_[0]{sid} == 1 && $_[0]{flags} & 1 });
        my $st = $h2->stream(1);
        $out{"frames, $method with a body"} = join ' ',
            $st->{status} // '-', length $st->{data}, $st->{data},
            $st->{ended} ? 'ended' : 'open', $st->{rst} // 'no reset';
        $h2->close;
    }
    return \%out;
}

for my $s (sort keys %source) {
    my $path = $source{$s}{path} // 'page.html';
    my $masked = "/$s/$path";
    my $missing = $path =~ m{/$} ? "/$s-twin/missing/" : "/$s-twin/missing.html";

    my ($m, $g) = (probe_http1($masked), probe_http1($missing));
    like($g->{GET}, qr{^HTTP/1\.1 404 }, "$s: the genuine answer is a 404");
    for my $k (sort keys %$g) {
        is($m->{$k}, $g->{$k}, "$s: HTTP/1: $k");
    }

    ($m, $g) = (probe_h2($masked), probe_h2($missing));
    for my $k (sort keys %$g) {
        is($m->{$k}, $g->{$k}, "$s: HTTP/2: $k");
    }
}

# A request that does reach its content still gets "100 Continue" when it
# waits for one before sending its body.
{
    my $s = $t->connect;
    print $s "PUT /upload/x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
             . "Expect: 100-continue\r\nConnection: close\r\n\r\n";
    my $sel = IO::Select->new($s);
    my $interim = '';
    sysread($s, $interim, 4096) if $sel->can_read(2);
    like($interim, qr{^HTTP/1\.1 100 Continue\r\n\r\n\z},
         'Expect: a proxied upload in a masked location is told to go on');
    print $s 'body!';
    like(TestNginx::read_all($s, 5), qr{^HTTP/1\.1 200 .*read 5 bytes}s,
         'Expect: and its body reaches the upstream');
}

# What remains told apart, as README says.
{
    my $r = $t->get('/plain-dir/sub');
    is($r->{status}, 301, 'without try_files, a directory is redirected to its '
                          . 'slash, which a missing path is not');
    is($t->get('/plain-dir/nothing')->{status}, 404, '(a missing path: 404)');

    $r = $t->get('/own-404/x');
    like($r->{body}, qr{the backend's own not found page},
         'status_mask_upstream_404 pass: the upstream\'s 404 as it is');
    like($t->error_log, qr{\[warn\] .*status_mask in location "/own-404/" with "status_mask_upstream_404 pass": the upstream's own 404 pages can be told apart}s,
         'and nginx -t warns about it');
    is(without_date($t->get('/up405/x', method => 'PUT')->{raw}),
       without_date($t->get('/up405-masked/x', method => 'PUT')->{raw}),
       'an upstream\'s 405 listed in status_mask: the same as a masked 403');

    $r = $t->get('/proxy-twin/x');
    unlike($r->{raw}, qr{backend|X-Backend}i,
           'by default nothing of an upstream 404 shows');
}

{
    my $log = $t->error_log;
    unlike($log, qr{\[(alert|crit|emerg)\]}, 'no alerts in the error log');
}

$t->stop;
done_testing;

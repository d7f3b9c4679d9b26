# status_mask: a 403 from any source is answered byte for byte as a genuine
# 404 of the same location would be (all but Date), whatever that 404 is:
# nginx's built-in page, a static error_page, a named location or a
# proxied page; over HTTP/1.1 (with keep-alive) and HTTP/2.

use strict;
use warnings;
use Test::More;
use IO::Select;
use IO::Socket::IP;
use POSIX ();
use Time::HiRes qw(time);
use lib 't/lib';
use TestNginx;
use Backends;

# PORT main, PORT2 h2, PORT3 proxy backend, PORT4 grpc backend (h2c),
# PORT5 fastcgi, PORT6 scgi, PORT7 uwsgi, PORT8 an upstream that sends a
# 403 header and never the rest of its body.

my $backend_secret = 'X-Backend-Secret';

# How a location's genuine 404 is answered.
my %not_found = (
    builtin => '',
    static  => 'error_page 404 /errors/404.html;',
    named   => 'error_page 404 @not_found;',
    proxied => 'error_page 404 /proxied-404;',
);

# Where the 403 comes from: the location's directives, the path that gets
# the 403 and how the client asks for it, and how a genuine 404 of the same
# location is asked for.
my %source = (
    deny => {
        conf => 'allow 127.0.0.2; deny all;',
        masked => { path => 'page.html' },
        real => { path => 'missing.html', from => '127.0.0.2' },
    },
    auth_request => {
        conf => 'auth_request /authz;',
        masked => { path => 'page.html' },
        real => { path => 'missing.html', headers => ['X-Auth: ok'] },
    },
    satisfy_any => {
        conf => 'satisfy any; allow 127.0.0.2; deny all; auth_request /authz;',
        masked => { path => 'page.html' },
        real => { path => 'missing.html', from => '127.0.0.2' },
    },
    unreadable => {
        conf => '',
        masked => { path => 'unreadable.html' },
        real => { path => 'missing.html' },
    },
    directory => {
        conf => '',
        masked => { path => 'dir/' },
        real => { path => 'missing/' },
    },
    return_code => {
        conf => 'return 403;',
        by_rule => 1,
    },
    return_text => {
        conf => 'return 403 "denied text\\n";',
        by_rule => 1,
    },
    proxy => {
        conf => 'proxy_pass http://127.0.0.1:%%PORT3%%/forbidden/;',
        upstream => 1,
    },
    proxy_intercept => {
        conf => 'proxy_pass http://127.0.0.1:%%PORT3%%/forbidden/; '
                . 'proxy_intercept_errors on;',
        upstream => 1,
    },
    grpc => {
        conf => 'grpc_pass grpc://127.0.0.1:%%PORT4%%;',
        upstream => 1,
    },
    fastcgi => {
        conf => 'fastcgi_pass 127.0.0.1:%%PORT5%%;',
        upstream => 1,
    },
    scgi => {
        conf => 'scgi_pass 127.0.0.1:%%PORT6%%;',
        upstream => 1,
    },
    uwsgi => {
        conf => 'uwsgi_pass 127.0.0.1:%%PORT7%%;',
        upstream => 1,
    },
);

# An upstream (or "return") answers 403 to everything: the genuine 404 of
# its location is nginx's own 404 path there, asked for by a rule.
for my $s (grep { $source{$_}{upstream} || $source{$_}{by_rule} }
           keys %source)
{
    $source{$s}{masked} = { path => 'secret' };
    $source{$s}{real} = { path => 'reference-404' };
}

my (%files, $locations);

for my $s (sort keys %source) {
    for my $k (sort keys %not_found) {
        my $loc = "/$s-$k/";
        $locations .= <<"LOC";
        location $loc {
            status_mask 403;
            $not_found{$k}
            $source{$s}{conf}
            status_policy 404 = ${loc}reference-404;
            error_page 403 /errors/403.html;
        }
LOC
        $files{"html$loc/page.html"} = "a page\n";
        $files{"html$loc/unreadable.html"} = "unreadable\n";
        $files{"html$loc/dir/.keep"} = '';
    }
}

my $t = TestNginx->new(
    ports => 8,
    user => 'nobody nogroup',
    files => {
        %files,
        'html/errors/404.html' => "static not found page\n",
        'html/errors/403.html' => "forbidden page: must never be seen\n",
        'html/public/file.html' => "public\n",
    },
    http => <<"HTTP");
    log_format mask '\$status "\$request" masked=\$status_policy_masked '
                    'action=\$status_policy_action';

    server {
        listen 127.0.0.1:%%PORT%%;
        listen 127.0.0.1:%%PORT2%% http2;
        server_name localhost;
        root %%PREFIX%%/html;
        access_log %%PREFIX%%/mask.log mask;

        add_header X-Frame-Options DENY always;

$locations
        location /errors/ {
            internal;
        }

        location \@not_found {
            return 404 "named not found page\\n";
        }

        location = /proxied-404 {
            internal;
            proxy_pass http://127.0.0.1:%%PORT3%%/page404;
        }

        location = /authz {
            internal;
            if (\$http_x_auth = "ok") {
                return 204;
            }
            return 403;
        }

        location /public/ {
            status_mask 403 405;
        }

        location /stalled/ {
            status_mask 403;
            proxy_pass http://127.0.0.1:%%PORT8%%;
            proxy_read_timeout 30s;
        }

        location /ruled/ {
            status_mask 403 451;
            status_policy 451 /ruled/legal/;
            status_policy 403 = /ruled/forbidden;
        }

        location /trial/ {
            status_mask 403;
            status_policy_dry_run on;
            deny all;
        }

        location /leaky/ {
            status_mask 403;
            deny all;
        }

        location /closed {
            status_mask 403;
            deny all;
        }
    }

    server {
        listen 127.0.0.1:%%PORT3%%;

        location /forbidden/ {
            add_header $backend_secret leak always;
            add_header ETag '"backend-etag"' always;
            add_header Last-Modified 'Mon, 01 Jan 2024 00:00:00 GMT' always;
            return 403 "backend forbidden body\\n";
        }

        location = /page404 {
            add_header X-Page proxied;
            return 200 "proxied not found page\\n";
        }
    }

    server {
        listen 127.0.0.1:%%PORT4%% http2;

        location / {
            add_header $backend_secret leak always;
            return 403 "grpc forbidden body\\n";
        }
    }
HTTP

for my $s (sort keys %source) {
    for my $k (sort keys %not_found) {
        my $path = $t->prefix . "/html/$s-$k/unreadable.html";
        chmod 0000, $path or die "chmod $path: $!";
        mkdir $t->prefix . "/html/$s-$k/dir";
    }
}

my $backends = Backends->start(
    fastcgi => $t->port(5), scgi => $t->port(6), uwsgi => $t->port(7),
    status => 403, reason => 'Forbidden',
    headers => [ $backend_secret => 'leak', 'ETag' => '"backend-etag"',
                 'Content-Type' => 'text/plain' ],
    body => "backend forbidden body\n");

$t->start;

sub without_date {
    my ($text) = @_;
    $text =~ s/^Date: [^\r\n]*\r?\n//mig;
    return $text;
}

sub request_bytes {
    my ($path, $req, $close) = @_;
    my $headers = join '', map { "$_\r\n" } @{ $req->{headers} // [] };
    return "GET $path HTTP/1.1\r\nHost: localhost\r\n$headers"
           . ($close ? "Connection: close\r\n" : '') . "\r\n";
}

# Sends requests on one connection; returns the responses.
sub exchange {
    my ($from, @requests) = @_;
    my $bytes = '';
    for my $i (0 .. $#requests) {
        $bytes .= request_bytes(@{ $requests[$i] }, $i == $#requests);
    }
    return TestNginx::parse_responses($t->raw($bytes, from => $from));
}

for my $s (sort keys %source) {
    for my $k (sort keys %not_found) {
        my $loc = "/$s-$k/";
        my $name = "$s, $k 404";
        my ($masked, $real) = @{ $source{$s} }{qw(masked real)};

        # each twice on one connection: the first answer keeps the
        # connection alive, the second closes it, and both must match;
        # the second masked answer proves the connection survived the first
        my @r = exchange($real->{from}, ([ $loc . $real->{path}, $real ]) x 2);
        my @m = exchange($masked->{from},
                         ([ $loc . $masked->{path}, $masked ]) x 2);

        is($r[0]{status}, 404, "$name: the genuine 404 is a 404");
        is(scalar @m, 2, "$name: keep-alive: both masked requests answered");
        is(without_date($m[0]{raw} // ''), without_date($r[0]{raw} // '-'),
           "$name: HTTP/1.1 masked 403 == genuine 404, byte for byte");
        is(without_date($m[1]{raw} // ''), without_date($r[1]{raw} // '-'),
           "$name: HTTP/1.1 the next request on the connection too");

        my $h2_real = $t->h2($loc . $real->{path}, %$real);
        my $h2_masked = $t->h2($loc . $masked->{path}, %$masked);
        is($h2_real->{status}, 404, "$name: HTTP/2 genuine 404");
        is(without_date($h2_masked->{head}) . $h2_masked->{body},
           without_date($h2_real->{head}) . $h2_real->{body},
           "$name: HTTP/2 masked 403 == genuine 404");
    }
}

# The masked responses really were 403s, and nothing of them leaked.
{
    my $log = $t->slurp('mask.log');
    for my $s (sort keys %source) {
        my $path = "/$s-builtin/$source{$s}{masked}{path}";
        like($log, qr{^404 "GET \Q$path\E HTTP/1\.1" masked=403 action=mask$}m,
             "$s: the access log says 404, \$status_policy_masked 403");
    }
    like($log, qr{^404 "GET /deny-builtin/missing\.html HTTP/1\.1" masked=- action=-$}m,
         'a genuine 404 is not marked as masked');

    my $all = join '', map { $_->{raw} } exchange(undef,
        map { [ "/$_-builtin/secret", {} ] }
        grep { $source{$_}{upstream} } sort keys %source);
    unlike($all, qr{backend|leak|grpc}i,
           'no upstream header or body passes through');
    ok($backends->requests('fastcgi') > 0 && $backends->requests('scgi') > 0
       && $backends->requests('uwsgi') > 0,
       'the FastCGI, SCGI and uwsgi backends were asked');
    unlike($t->error_log, qr{\[(alert|crit)\]}, 'no alerts in the error log');
}

# Control: without status_mask the same sources answer 403.
{
    my $t2 = TestNginx->new(
        ports => 1,
        files => { 'html/d/page.html' => "page\n" },
        http => <<'HTTP');
    server {
        listen 127.0.0.1:%%PORT%%;
        root %%PREFIX%%/html;
        location /d/ { deny all; }
        location /m/ { deny all; status_mask 403; location /m/open/ { status_mask off; } }
    }
HTTP
    $t2->start;
    is($t2->get('/d/page.html')->{status}, 403, 'control: no mask, 403');
    is($t2->get('/m/page.html')->{status}, 404, 'masked location: 404');
    is($t2->get('/m/open/x')->{status}, 403, 'status_mask off in a nested '
                                             . 'location: 403 again');
    $t2->stop;
}

# satisfy any keeps working: passing either check lets the request in.
{
    my $r = $t->get('/satisfy_any-builtin/page.html', from => '127.0.0.2');
    is($r->{status}, 200, 'satisfy any: allowed by address');
    $r = $t->get('/satisfy_any-builtin/page.html', headers => ['X-Auth: ok']);
    is($r->{status}, 200, 'satisfy any: allowed by auth_request');
    $r = $t->get('/auth_request-builtin/page.html', headers => ['X-Auth: ok']);
    is($r->{status}, 200, 'auth_request: an authorized request is served');
}

# Side channels.
{
    # 405: POST to an existing static file is 405, to a missing one 404.
    my $post = sub {
        my ($path) = @_;
        my ($r) = TestNginx::parse_responses($t->raw(
            "POST $path HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n"
            . "Connection: close\r\n\r\nab"));
        return $r;
    };
    my $exists = $post->('/public/file.html');
    my $missing = $post->('/public/missing.html');
    is($missing->{status}, 404, '405 channel: POST to a missing file is 404');
    is(without_date($exists->{raw}), without_date($missing->{raw}),
       '405 channel: with "status_mask 403 405", POST to an existing file '
       . 'is the same 404');

    # The directory-slash redirect happens in the location that matches
    # the path without its slash: a mask on "/leaky/" cannot see it ...
    mkdir $t->prefix . '/html/leaky';
    my $r = $t->get('/leaky');
    is($r->{status}, 301, 'directory channel: "/leaky" is redirected by '
                          . 'the enclosing location, before the mask');

    # ... a location without the trailing slash covers it.
    mkdir $t->prefix . '/html/closed';
    my $dir = $t->get('/closed');
    my $absent = $t->get('/nothing-here');
    is($dir->{status}, 404, 'directory channel closed: "/closed" is 404');
    is(without_date($dir->{raw}), without_date($absent->{raw}),
       'directory channel closed: same bytes as a path that does not exist');
    my $sub = $t->get('/closed/');
    is(without_date($sub->{raw}), without_date($absent->{raw}),
       'directory channel closed: "/closed/" too');
}

# The upstream connection of a masked response is closed at once, not left
# to deliver a body nobody will see.
{
    my $listen = IO::Socket::IP->new(LocalHost => '127.0.0.1',
                                     LocalPort => $t->port(8), Proto => 'tcp',
                                     Listen => 4, ReuseAddr => 1)
        or die "listen: $!";
    my $report = $t->prefix . '/stalled.report';
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        my $c = $listen->accept;
        my $req = '';
        sysread($c, $req, 4096, length $req) until $req =~ /\r\n\r\n/;
        print $c "HTTP/1.1 403 Forbidden\r\nContent-Length: 100000\r\n"
                 . "X-Backend-Secret: leak\r\n\r\npartial";
        my $start = time;
        my $sel = IO::Select->new($c);
        my $closed = $sel->can_read(10) && !sysread($c, my $buf, 1);
        open my $fh, '>', $report;
        print $fh $closed ? sprintf('closed after %.1f s', time - $start)
                          : 'still open';
        close $fh;
        POSIX::_exit(0);
    }
    close $listen;

    my $start = time;
    my @m = exchange(undef, [ '/stalled/x', {} ]);
    my @real = exchange('127.0.0.2', [ '/deny-builtin/missing.html', {} ]);
    cmp_ok(time - $start, '<', 5, 'a stalled upstream 403 is masked at once');
    is($m[0]{status}, 404, 'a stalled upstream 403: 404');
    is(without_date($m[0]{raw} // ''), without_date($real[0]{raw} // '-'),
       'a stalled upstream 403: the built-in 404');
    waitpid($pid, 0);
    like($t->slurp('stalled.report'), qr{^closed after [0-4]\.\d s$},
         'the upstream connection was closed, not kept for the body');
}

# The module's own rules with a masked code are masked too.
{
    my @real = exchange(undef, ([ '/ruled/missing', {} ]) x 2);
    for my $path ('/ruled/legal/report.pdf', '/ruled/forbidden') {
        my @m = exchange(undef, ([ $path, {} ]) x 2);
        is(without_date($m[0]{raw} // ''), without_date($real[0]{raw}),
           "a rule's code, masked: $path");
        is(without_date($m[1]{raw} // ''), without_date($real[1]{raw}),
           "a rule's code, masked: $path, keep-alive");
    }
    like($t->slurp('mask.log'),
         qr{^404 "GET /ruled/legal/report\.pdf HTTP/1\.1" masked=451 action=mask$}m,
         'a masked rule: logged as 404, masked 451');
}

# In dry run, masking is only logged.
{
    my $r = $t->get('/trial/x');
    is($r->{status}, 403, 'dry run: the 403 goes out');
    like($r->{body}, qr{403 Forbidden}, 'dry run: with its page');
    ok($t->wait_for_log(qr{\[notice\].*status_policy dry run: would answer 403 as 404 for "/trial/x" \(status_mask\)}),
       'dry run: a notice says what masking would do');
    ok($t->wait_for_log(qr{^403 "GET /trial/x HTTP/1\.1" masked=403 action=mask$}m,
                        'mask.log'),
       'dry run: the variables are set');
}

# HEAD gets the 404's headers and no body.
{
    my ($masked) = TestNginx::parse_responses($t->raw(
        "HEAD /deny-builtin/page.html HTTP/1.1\r\nHost: localhost\r\n"
        . "Connection: close\r\n\r\n"), 1);
    my ($real) = TestNginx::parse_responses($t->raw(
        "HEAD /deny-builtin/missing.html HTTP/1.1\r\nHost: localhost\r\n"
        . "Connection: close\r\n\r\n", from => '127.0.0.2'), 1);
    is($masked->{status}, 404, 'HEAD: 404');
    is(without_date($masked->{raw}), without_date($real->{raw}),
       'HEAD: the same headers as a genuine 404');
}

$t->stop;
$backends->stop;

done_testing;

# The scenario examples in conf.examples/, loaded as an operator would
# copy them: each runs in its own prefix (module path, ports and the
# /etc/nginx, /var/log/nginx, /var/www and /run paths rewritten into it),
# passes "nginx -t", starts, and does what its comments say.  Every rules
# file there passes "status-policy-check lint".

use strict;
use warnings;
use Test::More;
use Cwd ();
use Errno qw(ECONNRESET);
use File::Temp ();
use IO::Select;
use IO::Socket::IP;
use JSON::PP ();
use POSIX ();
use Time::HiRes qw(sleep time);
use lib 't/lib';
use TestNginx;
use H2Frames;

my $EX = "$TestNginx::ROOT/conf.examples";
# nginx -p would take a relative module path as relative to the prefix
my $MODULE = Cwd::abs_path($TestNginx::MODULE) // $TestNginx::MODULE;
my $CHECK = $ENV{STATUS_POLICY_CHECK}
    || "$TestNginx::ROOT/build/status-policy-check";

# An nginx whose nginx.conf is an example, not the harness's template.
package ExampleNginx {
    our @ISA = ('TestNginx');

    sub write_files {
        my ($self) = @_;
        $self->write_file($_, $self->{files}{$_})
            for sort keys %{ $self->{files} };
    }
}

sub slurp {
    my ($path) = @_;
    open my $fh, '<', $path or die "$path: $!";
    binmode $fh;
    local $/;
    return scalar <$fh>;
}

# Turns conf.examples/$name into a template for the harness; returns the
# nginx (not started) and a map from the example's ports to harness port
# numbers.  $opt{files}: more files for the prefix; $opt{extra_ports}:
# ports the test adds; $opt{edit}: a last change to the template, given
# the port map.
sub example {
    my ($name, %opt) = @_;
    my $conf = slurp("$EX/$name");

    my %port;
    my $n = 0;
    my $map = sub { '127.0.0.1:%%PORT' . ($port{ $_[0] } //= ++$n) . '%%' };
    $conf =~ s{^(\s*listen\s+)(?:[\d.]+:)?(\d+)\b}{$1 . $map->($2)}gme;
    $conf =~ s{^(\s*server\s+)127\.0\.0\.1:(\d+)\b}{$1 . $map->($2)}gme;

    $conf =~ s{^load_module \S+/ngx_http_status_policy_module\.so;}
              {load_module $MODULE;}m
        or die "$name: no load_module line";
    my $user = $> == 0 ? 'user root;' : '';
    $conf =~ s{^user \S+;}{$user}m;
    $conf =~ s{/run/nginx\.pid}{%%PREFIX%%/nginx.pid}g;
    $conf =~ s{/etc/nginx/}{%%PREFIX%%/}g;
    $conf =~ s{/var/log/nginx/}{%%PREFIX%%/}g;
    $conf =~ s{/var/www/}{%%PREFIX%%/www/}g;
    $conf =~ s{/var/lib/nginx/}{%%PREFIX%%/}g;
    my $temp = join '', map { "    ${_}_temp_path %%PREFIX%%/${_}_temp;\n" }
                   qw(client_body proxy fastcgi uwsgi scgi);
    $conf =~ s/^http \{\n/http {\n$temp/m or die "$name: no http block";
    $conf = "daemon off;\n$conf";

    # the examples use no other place on the host
    for (grep { !/^\s*#|^load_module / } split /\n/, $conf) {
        die "$name: a path the test does not rewrite: $_\n"
            if m{(?<![\w%])/(etc|var|run|usr|srv|opt|home)/};
        die "$name: a port the test does not rewrite: $_\n"
            if /^\s*listen\s+(?!127\.0\.0\.1:%%PORT)/;
    }

    $conf = $opt{edit}->($conf, \%port, $n) if $opt{edit};

    my %files = (%{ $opt{files} // {} }, 'nginx.conf' => $conf);
    $files{'mime.types'} //= -r '/etc/nginx/mime.types'
        ? slurp('/etc/nginx/mime.types')
        : "types {\n    text/html html;\n    text/plain txt;\n}\n";
    # the rules files it names, from conf.examples/
    for my $rules ($conf =~ m{%%PREFIX%%/([\w.-]+\.rules);}g) {
        $files{$rules} //= slurp("$EX/$rules");
    }

    my $t = ExampleNginx->new(ports => $n + ($opt{extra_ports} // 0),
                              files => \%files);
    return ($t, \%port);
}

sub nginx_t {
    my ($t, $name) = @_;
    my ($rc, $out) = $t->test_config;
    is($rc, 0, "$name: nginx -t") or diag $out;
    like($out, qr/test is successful/, "$name: nginx -t is successful");
}

# "nginx -s reload" (the first one), returning once the old workers have
# stopped accepting.
sub reload_all {
    my ($t) = @_;
    my $workers = () = $t->error_log =~ /start worker process \d+/g;
    $t->{workers} = $workers;
    $t->reload;
    my $deadline = time + 10;
    while (time < $deadline) {
        my $done = () = $t->error_log =~ /gracefully shutting down/g;
        last if $done >= $workers;
        sleep 0.05;
    }
    sleep 0.1;
}

# A response without its Date header, for byte-for-byte comparisons.
sub undated {
    my ($r) = @_;
    (my $raw = $r->{raw} // '') =~ s/^Date: [^\r\n]*\r\n//mi;
    return $raw;
}

# Reads until the server closes; returns (bytes, 'eof' | 'reset' | 'open').
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

sub raw_request {
    my ($t, $port, $bytes) = @_;
    my $s = $t->connect($port);
    binmode $s;
    print $s $bytes;
    return read_to_close($s, 5);
}

# backends still running if the test dies
my @children;
my $parent = $$;
END {
    local $?;
    if ($$ == $parent) {
        kill 'KILL', @children;
        waitpid $_, 0 for @children;
    }
}

# A tiny HTTP/1.1 server in a child process: $routes->{$port} answers
# ($method, $uri, \%headers) with ($status, [headers], $body).  Each
# request is logged as "PORT METHOD URI" in $log.
sub http_backend {
    my ($routes, $log) = @_;
    my %listen;
    for my $port (keys %$routes) {
        $listen{$port} = IO::Socket::IP->new(
            LocalHost => '127.0.0.1', LocalPort => $port, Proto => 'tcp',
            Listen => 32, ReuseAddr => 1)
            or die "backend on $port: $@";
    }
    my %reason = (200 => 'OK', 204 => 'No Content', 401 => 'Unauthorized',
                  403 => 'Forbidden', 404 => 'Not Found');

    my $pid = fork // die "fork: $!";
    if ($pid) {
        push @children, $pid;
        return $pid;
    }

    $SIG{PIPE} = 'IGNORE';
    my $sel = IO::Select->new(values %listen);
    while (1) {
        for my $l ($sel->can_read) {
            my $c = $l->accept or next;
            my $req = '';
            my $cs = IO::Select->new($c);
            while ($req !~ /\r\n\r\n/ && $cs->can_read(5)) {
                sysread($c, my $buf, 65536) or last;
                $req .= $buf;
            }
            my ($method, $uri) = $req =~ m{^(\S+) (\S+)};
            my %h = map { /^([^:]+):\s*(.*)$/ ? (lc $1 => $2) : () }
                    split /\r\n/, $req;
            my $port = $l->sockport;
            my ($status, $headers, $body) =
                $routes->{$port}->($method // '', $uri // '', \%h);
            if (open my $fh, '>>', $log) {
                print $fh "$port ", $method // '-', " ", $uri // '-', "\n";
                close $fh;
            }
            my $head = "HTTP/1.1 $status " . ($reason{$status} // 'X')
                       . "\r\n";
            my @hdr = @$headers;
            while (my ($k, $v) = splice @hdr, 0, 2) {
                $head .= "$k: $v\r\n";
            }
            $head .= "Content-Length: " . length($body)
                     . "\r\nConnection: close\r\n\r\n";
            print $c $head, $body;
            close $c;
        }
    }
    POSIX::_exit(0);
}

sub stop_backend {
    my ($pid) = @_;
    @children = grep { $_ != $pid } @children;
    kill 'KILL', $pid;
    waitpid $pid, 0;
}

# --- the rules files ------------------------------------------------------

for my $rules (sort glob "$EX/*.rules") {
    my $out = `'$CHECK' lint '$rules' 2>&1`;
    (my $short = $rules) =~ s{.*/}{};
    is($? >> 8, 0, "lint $short") or diag $out;
    like($out, qr/^\d+ rules, no errors$/, "lint $short: no errors");
}

{
    # every scenario is exercised below
    my @confs = sort map { m{([^/]+)$} } glob "$EX/*.conf";
    is_deeply(\@confs, [sort qw(demo.conf dry-run-rollout.conf live-rules.conf
                                monitoring.conf private-api.conf
                                scanner-defence.conf site-migration.conf)],
              'every example has its scenario here (demo.conf: make run)');

    # the files the comments point to exist
    my %missing;
    for my $conf (@confs) {
        for my $f (slurp("$EX/$conf") =~ m{([\w-]+\.(?:rules|yml|sh))\b}g) {
            $missing{"$conf: $f"} = 1 unless -e "$EX/$f";
        }
    }
    is(join(', ', sort keys %missing), '', 'files named in the examples exist');
}

# --- site-migration.conf --------------------------------------------------

{
    my $name = 'site-migration.conf';

    # the shipped export and its rules agree
    my $gen = "$EX/gen-migration-rules.sh";
    is(scalar `sh '$gen' '$EX/migration-export.csv' 2>/dev/null`,
       slurp("$EX/migration-export.rules"),
       'migration-export.rules is what gen-migration-rules.sh makes of '
       . 'migration-export.csv');

    # a large export: the shipped lines and 200,000 more
    my $dir = File::Temp::tempdir('sptest-XXXXXX', TMPDIR => 1,
                                  CLEANUP => 1);
    open my $csv, '>', "$dir/export.csv" or die;
    print $csv slurp("$EX/migration-export.csv");
    for my $i (1 .. 100_000) {
        print $csv "https://www.example.com/catalog/item-$i.html,410\n",
                   "https://www.example.com/p/$i/Blue%20Lamp,/shop/p/$i\n";
    }
    close $csv;
    my $err = `sh '$gen' '$dir/export.csv' 2>&1 >'$dir/export.rules'`;
    is($? >> 8, 0, 'gen-migration-rules.sh on a 200,007-line export');
    like($err, qr/^200007 rules, 0 lines skipped$/m, '... every line a rule');
    my $lint = `'$CHECK' lint '$dir/export.rules' 2>&1`;
    is($lint, "200007 rules, no errors\n", '... which lint accepts');

    my ($t) = example($name, files => {
        'www/example.com/index.html' => "home\n",
        'www/example.com/errors/410.html' => "removed on purpose\n",
        'migration-export.rules' => slurp("$dir/export.rules"),
    });
    my $p = $t->prefix;

    my $start = time;
    nginx_t($t, $name);
    my $took = time - $start;
    cmp_ok($took, '<', 10, sprintf('%s: nginx -t with the 200k list takes '
                                   . '%.2f s', $name, $took));
    $t->start;

    my $loc = sub {
        my ($path, %o) = @_;
        my $r = $t->get($path, %o);
        (my $l = $r->{headers}{location} // '') =~ s{^http://[^/]+}{};
        return ($r->{status}, $l);
    };

    is_deeply([$loc->('/docs/v1/install?lang=en')],
              [301, '/docs/v2/install?lang=en'],
              'prefix rule: the rest of the path and the query kept');
    is_deeply([$loc->('/forum/t/123')],
              [301, 'https://community.example.com/t/123'],
              'prefix rule to another host');
    is_deeply([$loc->('/newsletter.php?utm_source=x')],
              [301, '/subscribe/?from=newsletter'],
              'a target with its own query replaces the client\'s');
    is_deeply([$loc->('/order.php', method => 'POST')],
              [308, '/checkout/order'], '308 for an old form');
    is_deeply([$loc->('/blog/2019/05/launch.html')],
              [301, '/posts/2019-05/launch/'], 'regex with captures');
    is_deeply([$loc->('/products/1234-blue-lamp.html')],
              [301, '/shop/p/1234'], 'product URL scheme');
    is_deeply([$loc->('/guides/Getting%20Started.html')],
              [301, '/docs/v2/getting-started/'],
              'a page of the export (its path percent-decoded)');
    is_deeply([$loc->('/p/77777/Blue%20Lamp')], [301, '/shop/p/77777'],
              'a page of the 200k generated lines');

    my $r = $t->get('/products/999-halogen-lamp.html');
    is($r->{status}, 410,
       'an exact 410 wins over the product regex of another file');
    is($r->{body}, "removed on purpose\n", '410: the error_page of /');
    is($r->{headers}{'cache-control'}, 'max-age=86400',
       '410: status_policy_cache 410 1d');

    is($t->get('/press/2015/awards')->{status}, 410, 'retired section');
    is($t->get('/tag/lamps/page/3/')->{status}, 410, 'retired regex');
    is($t->get('/catalog/item-99999.html')->{status}, 410,
       'a retired page of the 200k generated lines');
    is($t->get('/')->{status}, 200, 'the new site is served');
    is($t->get('/new-page')->{status}, 404, 'a genuine 404');

    $r = $t->get('/api/v1/users');
    is($r->{status}, 410, 'API: retired version');
    is($r->{headers}{'content-type'}, 'application/json', 'API: JSON');
    is($r->{body}, qq({"status":410,"error":"Gone"}\n), 'API: JSON body')
        or diag $r->{raw};
    is($r->{headers}{'cache-control'}, 'max-age=86400', 'API: cached too');
    is_deeply([$loc->('/api/v2/orders?id=5', method => 'POST')],
              [308, '/api/v3/orders?id=5'], 'API: 308 to the new version');

    my $p_re = quotemeta $p;
    ok($t->wait_for_log(qr{^127\.0\.0\.1 \S+ \S+ "GET /products/999-halogen-lamp\.html HTTP/1\.1" 410 "-" gone $p_re/migration-retired\.rules:13$}m,
                        'access.log'),
       'access log: the action and the rule (file:line)')
        or diag $t->access_log;
    $t->stop;
}

# --- live-rules.conf ------------------------------------------------------

{
    my $name = 'live-rules.conf';
    my ($t, $port) = example($name,
        files => { 'retired.rules' => slurp("$EX/retired.rules") });
    nginx_t($t, $name);
    $t->start;
    my $p = $t->prefix;
    my $backend = http_backend({
        $t->port($port->{9000}) => sub {            # the token service
            my ($method, $uri, $h) = @_;
            return ($h->{authorization} // '') eq 'Bearer cms-token'
                   ? (204, [], '') : (401, [], "no\n");
        },
        $t->port($port->{8000}) => sub { (200, [], "the shop\n") },
    }, "$p/backend.log");

    my $api = $t->port($port->{8081});
    my $send = sub {
        my ($method, $path, $body, @headers) = @_;
        my $h = join '', map { "$_\r\n" } @headers;
        my $len = defined $body ? "Content-Length: " . length($body) . "\r\n"
                                : '';
        my ($r) = TestNginx::parse_responses($t->raw(
            "$method $path HTTP/1.1\r\nHost: api\r\nConnection: close\r\n"
            . "$h$len\r\n" . ($body // ''), port => $api));
        return $r // { status => 0 };
    };
    my $shop = sub { $t->get($_[0], host => 'shop.example')->{status} };

    my $lines = "410 = /p/blue-kettle\n301 /p/old-range/ /c/kettles/\n";
    is($send->('PATCH', '/rules-admin/products', $lines)->{status}, 401,
       'a write without the token: refused by auth_request');
    is($send->('PATCH', '/rules/products', $lines)->{status}, 403,
       'a write to the read-only API: 403');
    is($shop->('/p/blue-kettle'), 200, 'nothing changed');
    is($send->('PATCH', '/rules-admin/products', $lines,
               'Authorization: Bearer cms-token')->{status}, 200,
       'the CMS with its token: 200');
    is($shop->('/p/blue-kettle'), 410, 'the shop answers 410 at once');
    is($shop->('/p/old-range/x'), 301, 'and moves the old range');
    my $r = $send->('GET', '/rules/products?path=/p/blue-kettle');
    like($r->{body}, qr/"pattern":"= \/p\/blue-kettle"/,
         'monitoring reads the rule');
    is($t->get('/rules/products', port => $api, from => '127.0.0.2')->{status},
       403, 'another address: 403');
    like($t->get('/metrics', host => 'shop.example')->{body},
         qr/^status_policy_live_rules\{zone="products"\} 2$/m,
         'the zone in the metrics');
    $t->stop;
    like($t->slurp('products.state'), qr/^410 = \/p\/blue-kettle$/m,
         'the state file holds the rules');
    $t->start;
    is($shop->('/p/blue-kettle'), 410, 'and a restart reads them back');
    $t->stop;
    stop_backend($backend);
}

# --- private-api.conf -----------------------------------------------------

{
    my $name = 'private-api.conf';
    my ($t, $port) = example($name);
    nginx_t($t, $name);
    $t->start;
    my $p = $t->prefix;

    my %token = ('Bearer alice' => 'alice', 'Bearer mallory' => 'suspended');
    my %orders = (42 => 'alice', 43 => 'bob');
    my $backend = http_backend({
        $t->port($port->{9000}) => sub {            # the auth service
            my ($method, $uri, $h) = @_;
            my $who = $token{ $h->{authorization} // '' };
            return (204, [], '') if ($who // '') eq 'alice';
            return (403, [], "suspended\n") if $who;
            return (401, ['WWW-Authenticate' => 'Bearer realm="api"'],
                    "no token\n");
        },
        $t->port($port->{8000}) => sub {            # the API
            my ($method, $uri) = @_;
            my ($id) = $uri =~ m{^/v1/orders/(\d+)$};
            my @h = ('ETag' => '"abc123"', 'X-Api-Version' => '7');
            return (404, \@h, qq({"error":"no order $uri"}\n))
                unless $id && $orders{$id};
            return (403, \@h, qq({"error":"not yours"}\n))
                if $orders{$id} ne 'alice';
            return (200, \@h, qq({"id":$id}\n));
        },
    }, "$p/backend.log");

    my $alice = ['Authorization: Bearer alice'];
    my $r = $t->get('/v1/orders/42', headers => $alice);
    is($r->{status}, 200, 'a client with access gets its order');
    is($r->{body}, qq({"id":42}\n), '... from the API');

    my $real = $t->get('/v1/orders/999', headers => $alice);
    is($real->{status}, 404, 'a missing order: 404');
    is($real->{body}, qq({"error":"not_found"}\n), '... the API\'s one 404');
    unlike($real->{raw}, qr/ETag|X-Api-Version/i,
           '... without the backend\'s headers');

    my %masked = (
        'no token (auth 401)' => ['/v1/orders/42', []],
        'suspended token (auth 403)' =>
            ['/v1/orders/42', ['Authorization: Bearer mallory']],
        'somebody else\'s order (API 403)' => ['/v1/orders/43', $alice],
        'no token, missing order' => ['/v1/orders/999', []],
    );
    for my $case (sort keys %masked) {
        my ($path, $headers) = @{ $masked{$case} };
        my $m = $t->get($path, headers => $headers);
        is($m->{status}, 404, "$case: 404");
        is(undated($m), undated($real),
           "$case: byte for byte the missing order's 404 (but Date)");
    }
    is($t->get('/nothing-here')->{body}, qq({"error":"not_found"}\n),
       'the rest of the host: the same 404');

    my $log = $t->wait_for_log(qr{"GET /v1/orders/43 HTTP/1\.1" .*$}m,
                               'api-access.log');
    like($log // '', qr{ 404 real=403 }, 'access log: real=403 for a mask');
    like($t->slurp('api-access.log'),
         qr{"GET /v1/orders/42 HTTP/1\.1" 404 real=401 }, '... real=401');
    like($t->slurp('api-access.log'),
         qr{"GET /v1/orders/999 HTTP/1\.1" 404 real=- }m,
         '... "-" for a genuine 404');

    my @api = grep { /^\Q${\ $t->port($port->{8000})}\E / }
              split /\n/, $t->slurp('backend.log');
    is(scalar(@api), 3, 'refused requests never reach the API (only '
                        . 'alice\'s three did)')
        or diag join "\n", @api;

    stop_backend($backend);
    $t->stop;
}

# --- scanner-defence.conf -------------------------------------------------

{
    my $name = 'scanner-defence.conf';

    # A test certificate for the TLS listener; an nginx built without TLS
    # gets the example with a cleartext listener instead.
    my %tls_files;
    my $has_tls = `'$TestNginx::NGINX' -V 2>&1` =~ /--with-http_ssl_module/;
    if ($has_tls) {
        my $dir = File::Temp::tempdir('sptest-XXXXXX', TMPDIR => 1,
                                      CLEANUP => 1);
        system("openssl req -x509 -newkey ec "
               . "-pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
               . "-subj /CN=www.example.com -keyout '$dir/key' "
               . "-out '$dir/crt' >/dev/null 2>&1") == 0
            or $has_tls = 0;
        %tls_files = ('tls/example.com.key' => slurp("$dir/key"),
                      'tls/example.com.crt' => slurp("$dir/crt"))
            if $has_tls;
    }

    # beside the example's TLS listener, a cleartext HTTP/2 one for the
    # frame-level client
    my ($t, $port) = example($name,
        extra_ports => 1,
        files => {
            %tls_files,
            'www/example.com/index.html' => "home\n",
            'www/letsencrypt/.well-known/acme-challenge/tok' => "tok\n",
        },
        edit => sub {
            my ($conf, $port, $n) = @_;
            my $h2c = $n + 1;
            unless ($has_tls) {
                $conf =~ s{ ssl http2}{ http2}g;
                $conf =~ s{^\s*ssl_certificate\S* [^\n]*\n}{}mg;
            }
            $conf =~ s{^(\s*)(listen 127\.0\.0\.1:%%PORT$port->{443}%%[^\n]*\n)}
                      {$1$2$1listen 127.0.0.1:%%PORT$h2c%% http2;\n}m
                or die 'no listener on 443';
            return $conf;
        });
    my $p = $t->prefix;
    my $h2c = keys(%$port) + 1;

    nginx_t($t, $name);
    $t->start;
    my $http = $t->port($port->{80});
    my $tls = $t->port($port->{443});
    my $get = sub { "GET $_[0] HTTP/1.1\r\nHost: www.example.com\r\n"
                    . "Connection: close\r\n\r\n" };

    my ($data, $how) = raw_request($t, $http, $get->('/.env'));
    is($data, '', 'HTTP/1.1: a probe gets zero bytes');
    is($how, 'eof', 'HTTP/1.1: and the connection is closed');
    ($data) = raw_request($t, $http, $get->('/wp-login.php'));
    is($data, '', 'HTTP/1.1: dropped before the redirect to https');
    ($data) = raw_request($t, $http, $get->('/products'));
    like($data, qr{^HTTP/1\.1 301 .*^Location: https://www\.example\.com/products\r$}ms,
         'HTTP/1.1: other requests are redirected to https');
    ($data) = raw_request($t, $http,
                          $get->('/.well-known/acme-challenge/tok'));
    like($data, qr{^HTTP/1\.1 200 .*\r\n\r\ntok\n\z}s,
         'HTTP/1.1: ACME challenges are served');

    my $h2 = H2Frames->new(port => $t->port($h2c));
    $h2->request(1, '/');
    $h2->read_frames(timeout => 5,
                     until => sub { $_[0]{sid} == 1 && $_[0]{flags} & 1 });
    is($h2->stream(1)->{status}, 200, 'HTTP/2: a page is served');
    is($h2->stream(1)->{data}, "home\n", 'HTTP/2: its body');
    $h2->request(3, '/.git/config');
    $h2->read_frames(timeout => 5);
    is($h2->stream(3)->{status}, undef, 'HTTP/2: a probe gets no response')
        or diag $h2->dump;
    ok($h2->goaway, 'HTTP/2: GOAWAY') or diag $h2->dump;
    is($h2->goaway && $h2->goaway->{last_sid}, 3,
       'HTTP/2: GOAWAY names the probe as the last stream');
    ok($h2->eof, 'HTTP/2: the connection is closed');

    SKIP: {
        skip 'nginx without TLS, or no openssl', 4 unless $has_tls;
        my $curl = "curl -sk -m 5 -o /dev/null -w '%{http_code} %{http_version}'"
                   . " --resolve www.example.com:$tls:127.0.0.1";
        my $out = `$curl --http2 https://www.example.com:$tls/`;
        is($out, '200 2', 'TLS: HTTP/2 serves the site');
        $out = `$curl --http2 https://www.example.com:$tls/phpmyadmin/`;
        my $exit = $? >> 8;
        isnt($exit, 0, "TLS, HTTP/2: curl fails on a probe (exit $exit)");
        like($out, qr/^000 /, 'TLS, HTTP/2: no status');
        `$curl --http1.1 https://www.example.com:$tls/.aws/credentials`;
        is($? >> 8, 52, 'TLS, HTTP/1.1: empty reply (curl exit 52)');
    }

    ok($t->wait_for_log(qr{"GET /\.git/config HTTP/2\.0" \Q$p\E/scanners\.rules:\d+ }m,
                        'scanners.log'),
       'the drops are in scanners.log with their rule');
    my $scanners = $t->slurp('scanners.log');
    is(() = $scanners =~ /^/mg, $has_tls ? 5 : 3, 'all the drops')
        or diag $scanners;
    my $access = $t->slurp('access.log');
    like($access, qr{"GET /products HTTP/1\.1" 301 }, 'access.log: the rest');
    unlike($access, qr{\.env|\.git|wp-login|phpmyadmin|\.aws},
           'access.log: no drops');
    $t->stop;
}

# --- monitoring.conf ------------------------------------------------------

{
    my $name = 'monitoring.conf';
    my ($t, $port) = example($name, files => {
        'www/example.com/index.html' => "home\n",
        'www/example.com/errors/404.html' => "no such page\n",
    });
    nginx_t($t, $name);
    $t->start;
    my $p = $t->prefix;
    my $ref = ['Referer: https://partner.example/deals'];

    # Windows start on multiples of 60s of the clock, and hits of a window
    # that has passed weigh in the baseline: the 20 hits must fall in one
    # window, however slowly nginx runs (valgrind), to be 5x the baseline.
    my $into = time - 60 * int(time / 60);
    sleep(60.5 - $into) if $into > 45;

    $t->get('/pricing-2024', headers => $ref) for 1 .. 19;
    $t->get('/static/missing.png') for 1 .. 25;
    sleep 0.2;
    unlike($t->error_log, qr/spike on/, 'no spike below the threshold, '
                                        . 'none for /static/');
    my $r = $t->get('/pricing-2024', headers => $ref);
    is($r->{status}, 404, 'the 20th 404 ...');
    ok($t->wait_for_log(qr{\[warn\] .*status_policy: 404 spike on "localhost/pricing-2024": 20 in 60s \(baseline 0\.0/60s\), top referer "https://partner\.example/deals" \(20\)}),
       '... is a spike, logged at warn with the referer')
        or diag $t->error_log;
    is($t->get('/about-2019.html')->{status}, 410, 'a retired page');

    $r = $t->get('/status-policy');
    is($r->{status}, 200, 'report from 127.0.0.1');
    my $json = eval { JSON::PP::decode_json($r->{body}) } // {};
    my ($zone) = @{ $json->{zones} // [] };
    is_deeply($zone->{spikes}, ['localhost/pricing-2024'],
              'report: the spiking path');
    my ($rule) = grep { $_->{rule} =~ /retired\.rules:5$/ }
                 @{ $json->{rules} // [] };
    is($rule && $rule->{hits}, 1, 'report: the retired page\'s rule hit');

    my $outside = $t->get('/status-policy', from => '127.0.0.2');
    my $genuine = $t->get('/no-such-page', from => '127.0.0.2');
    is($outside->{status}, 404, 'report from elsewhere: 404');
    is(undated($outside), undated($genuine),
       'report from elsewhere: the site\'s ordinary 404, byte for byte');
    is($t->get('/status-policy/metrics', from => '127.0.0.2')->{status},
       404, 'metrics from elsewhere: 404');

    $r = $t->get('/status-policy/metrics');
    like($r->{body},
         qr/^status_policy_path_spiking\{zone="spikes",path="localhost\/pricing-2024",code="404"\} 1$/m,
         'Prometheus: the spike');
    like($r->{body},
         qr/^status_policy_rule_hits_total\{rule="[^"]*retired\.rules:5",code="410"\} 1$/m,
         'Prometheus: the rule hit');
    SKIP: {
        skip 'promtool is not installed', 1
            unless `which promtool 2>/dev/null` =~ /\S/;
        open my $fh, '>', "$p/metrics.txt" or die;
        print $fh $r->{body};
        close $fh;
        my $check = `promtool check metrics < '$p/metrics.txt' 2>&1`;
        is($? >> 8, 0, 'Prometheus: promtool check metrics') or diag $check;
    }
    like($t->get('/status-policy?format=html')->{headers}{'content-type'},
         qr{^text/html}, 'HTML for a browser');
    $t->stop;
}

# --- dry-run-rollout.conf -------------------------------------------------

{
    my $name = 'dry-run-rollout.conf';
    my ($t, $port) = example($name, files => {
        'www/example.com/index.html' => "home\n",
        'www/example.com/about-2019.html' => "about us, 2019\n",
        'www/example.com/docs/v1/install' => "install v1\n",
        'www/example.com/admin/index.html' => "admin\n",
    });
    nginx_t($t, $name);
    $t->start;
    my $p = $t->prefix;

    my $r = $t->get('/about-2019.html');
    is($r->{status}, 200, 'dry run: a retired page is still served');
    is($r->{body}, "about us, 2019\n", '... with its content');
    ok($t->wait_for_log(qr{\[notice\] .*status_policy dry run: would return 410 for "/about-2019\.html" by rule \Q$p\E/retired\.rules:5}),
       '... and the error log says it would be 410');

    $r = $t->get('/docs/v1/install?lang=en');
    is($r->{status}, 200, 'dry run: a moved page is still served');
    ok(!exists $r->{headers}{location}, '... without a redirect');
    ok($t->wait_for_log(qr{would return 301 "/docs/v2/install\?lang=en" for "/docs/v1/install"}),
       '... the error log names the redirect target');

    $r = $t->get('/admin/');
    is($r->{status}, 403, 'dry run: a masked 403 still goes out');
    ok($t->wait_for_log(qr{would answer 403 as 404 for "/admin/" \(status_mask\)}),
       '... the error log says it would be a 404');

    is($t->get('/')->{status}, 200, 'a page no rule matches');

    ok($t->wait_for_log(qr{"GET /admin/ HTTP/1\.1" "-" 403 mask}m,
                        'policy-trial.log'), 'policy-trial.log is written');
    my @trial = split /\n/, $t->slurp('policy-trial.log');
    is(scalar @trial, 3, 'policy-trial.log: only what a rule matched')
        or diag join "\n", @trial;
    is(() = $t->slurp('access.log') =~ /^/mg, 4,
       'access.log: every request');

    # the commands in the example's comments
    my ($count, $gone) = slurp("$EX/$name")
        =~ m{^#\s+(awk '\{ print .*)\n#.*\n#\s+(awk .*)$}m;
    my ($targets) = slurp("$EX/$name") =~ m{^#\s+(grep -o 'would return .*)$}m;
    for ($count, $gone, $targets) {
        s{/var/log/nginx/}{$p/}g;
    }
    my $out = `$count`;
    like($out, qr{^\s+1 \Q$p\E/retired\.rules:5 gone$}m,
         'reading the log: rules and actions counted');
    like($out, qr{^\s+1 \Q$p\E/moved\.rules:4 redirect$}m,
         'reading the log: the redirect');
    $out = `$gone`;
    like($out, qr{"GET /about-2019\.html HTTP/1\.1" "-" 200 gone }m,
         'reading the log: pages served today that a rule would retire');
    is(() = $out =~ /^/mg, 1, '... only that one');
    like(scalar `$targets`,
         qr{^\s+1 would return 301 "/docs/v2/install\?lang=en"$}m,
         'reading the log: where the redirects would go');

    # step 3: enforce
    my $conf = $t->slurp('nginx.conf');
    $conf =~ s{^\s*status_policy_dry_run on;\n}{}m or die;
    open my $fh, '>', "$p/nginx.conf" or die;
    print $fh $conf;
    close $fh;
    my ($rc, $test) = $t->test_config;
    is($rc, 0, 'without the dry-run line: nginx -t') or diag $test;
    reload_all($t);

    is($t->get('/about-2019.html')->{status}, 410, 'enforced: 410');
    $r = $t->get('/docs/v1/install?lang=en');
    is($r->{status}, 301, 'enforced: 301');
    like($r->{headers}{location} // '', qr{/docs/v2/install\?lang=en$},
         'enforced: the Location');
    $r = $t->get('/admin/');
    is($r->{status}, 404, 'enforced: the 403 is masked');
    is(undated($r), undated($t->get('/no-such-page')),
       'enforced: as the site\'s genuine 404');
    $t->stop;
}

done_testing;

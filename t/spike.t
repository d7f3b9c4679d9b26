# 404 spike detection: counted in shared memory by several workers, one
# warn line when a spike starts, one notice line when it ends, counts kept
# across a reload, bounded under a flood of unique paths.

use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep time);
use JSON::PP ();
use lib 't/lib';
use TestNginx;

my $t = TestNginx->new(
    workers => 2,
    files => { 'html/404.html' => "not found\n" },
    http => <<'HTTP');
    status_spike_zone zone=spikes:1m window=2s threshold=10;
    status_spike_zone zone=gone:256k window=60s threshold=3 codes=404,410;
    status_spike_zone zone=busy:128k window=1s threshold=10 factor=5;

    server {
        listen 127.0.0.1:%%PORT%%;
        listen 127.0.0.1:%%PORT2%% http2;
        server_name localhost;
        root %%PREFIX%%/html;
        keepalive_requests 1000000;
        status_spike spikes;
        error_page 404 /404.html;

        location /quiet/ {
            status_spike off;
        }

        location /private/ {
            deny all;
            status_mask 403;
        }

        location = /report {
            status_spike off;
            status_policy_report json;
        }

        location /busy/ {
            status_spike busy;
        }

        location /retired/ {
            status_spike gone;
            status_policy 410 /retired/;
        }
    }
HTTP

$t->start;

sub spike_lines {
    my ($re) = @_;
    return grep { /$re/ } split /\n/, $t->error_log;
}

# n requests pipelined on one connection: fast enough that they fall in
# one 2s window even where every nginx process runs under valgrind
sub hits {
    my ($path, $n, @headers) = @_;
    my $extra = join '', map { "$_\r\n" } @headers;
    my $bytes = join '', map {
        "GET $path HTTP/1.1\r\nHost: localhost\r\n$extra"
        . ($_ == $n ? "Connection: close\r\n" : '') . "\r\n"
    } 1 .. $n;
    return map { $_->{status} }
           TestNginx::parse_responses($t->raw($bytes, timeout => 10));
}

{
    # the 10th 404 in the window starts the spike, from whichever worker
    hits('/old-post', 9, 'Referer: https://news.example/2024');
    is(scalar spike_lines(qr{spike on}), 0, 'no spike line below the '
                                            . 'threshold');
    hits('/old-post', 1, 'Referer: https://news.example/2024');
    ok($t->wait_for_log(qr{\[warn\] .* status_policy: 404 spike on "localhost/old-post": 10 in 2s \(baseline 0\.0/2s\), top referer "https://news\.example/2024" \(10\)}),
       'the request that crosses the threshold logs the spike at warn');
    hits('/old-post', 10, 'Referer: https://news.example/2024');
    is(scalar spike_lines(qr{404 spike on "localhost/old-post": }), 1,
       'one line while the spike lasts');
    ok($t->wait_for_log(qr{\[notice\] .* status_policy: 404 spike on "localhost/old-post" is over after \d+s, peak 20 in 2s}, undef, 8),
       'a notice line when it is over, with its peak');
    is(scalar spike_lines(qr{"localhost/old-post" is over}), 1,
       'the end is logged once, by one of the workers');
}

{
    # referer attribution: the referer holding most of the broken links
    hits('/broken', 3, 'Referer: https://a.example/');
    hits('/broken', 6, 'Referer: https://b.example/blog');
    hits('/broken', 1);
    ok($t->wait_for_log(qr{404 spike on "localhost/broken": 10 in 2s .* top referer "https://b\.example/blog" \(6\)}),
       'the top referer is named with its count');
}

{
    # the final status counts: a masked 403 is a 404; error_page keeps the
    # path the client asked for
    hits('/private/secret', 10);
    ok($t->wait_for_log(qr{404 spike on "localhost/private/secret": 10 in}),
       'masked 403s count as 404s, under the path asked for');

    hits('/quiet/missing', 15);
    sleep 0.3;
    is(scalar spike_lines(qr{localhost/quiet/}), 0,
       'status_spike off: not counted');

    hits('/retired/page', 3);
    ok($t->wait_for_log(qr{410 spike on "localhost/retired/page": 3 in 60s}),
       'codes=404,410: a 410 rule counts in its zone');
}

{
    # hostile bytes in the path and the referer cannot forge a log line
    hits('/evil%0A%22x%5C', 10, "Referer: https://r.example/\"quoted\x01");
    my $line = $t->wait_for_log(qr{404 spike on "localhost/evil.*$}m);
    like($line // '', qr{^404 spike on "localhost/evil\\x0A\\x22x\\x5C": 10 in 2s \(baseline 0\.0/2s\), top referer "https://r\.example/\\x22quoted\\x01" \(10\)},
         'path and referer escaped in the spike line');
}

{
    # a path that is always busy builds a baseline: 4 a second for 6
    # seconds, then 12 in a second is over the threshold but not 5 x the
    # baseline (about 3.3); 60 in a second is a spike
    my $second = sub { sleep(1 - (time - int time)) };
    $second->();
    for (1 .. 6) {
        hits('/busy/feed', 4);
        $second->();
    }
    hits('/busy/feed', 12);
    $second->();
    sleep 0.3;
    is(scalar spike_lines(qr{spike on "localhost/busy/feed"}), 0,
       'the baseline suppresses a busy path at 3x its usual rate');
    hits('/busy/feed', 60);
    ok($t->wait_for_log(qr{404 spike on "localhost/busy/feed": \d+ in 1s \(baseline [1-9]\.\d/1s\)}),
       'a jump far over the baseline is a spike, and the line shows the baseline');
}

{
    # counts survive a reload: 6 before, 4 after make the 10th
    hits('/across-reload', 6);
    $t->reload;
    hits('/across-reload', 4);
    ok($t->wait_for_log(qr{404 spike on "localhost/across-reload": 10 in 2s}),
       'counts survive nginx -s reload');
}

SKIP: {
    # a flood of 100,000 unique paths: the zone stays within its size,
    # nginx keeps serving, and the one real spike is still found
    skip 'h2load is not installed', 8 unless `which h2load` =~ /h2load/;

    my $uris = $t->prefix . '/flood.txt';
    open my $fh, '>', $uris or die $!;
    for my $i (0 .. 99_999) {
        print $fh 'http://127.0.0.1:', $t->port(2), "/flood/$i-", $i * 7919,
                  "\n";
        # one in 50: 10 in the 2s window needs only 250 requests/s,
        # which a worker under valgrind, or ASan on a busy machine, serves
        print $fh 'http://127.0.0.1:', $t->port(2), "/really-broken\n"
            if $i % 50 == 0;
    }
    close $fh;

    # one client: h2load starts each client at the top of the list, and
    # one client alone makes every one of the 100,000 paths a new one
    my $out = `h2load -n 102000 -c 1 -m 64 -i '$uris' 2>&1`;
    like($out, qr{status codes: 0 2xx, 0 3xx, 102000 4xx}, 'every request '
                                                            . 'answered 404')
        or diag $out;
    ok($t->wait_for_log(qr{404 spike on "127\.0\.0\.1/really-broken": 10 in 2s}),
       'the spiking path among 100,000 unique ones is detected');
    my $report = JSON::PP::decode_json($t->get('/report')->{body});
    my ($zone) = grep { $_->{name} eq 'spikes' } @{ $report->{zones} };
    is($zone->{top}[0]{path}, '127.0.0.1/really-broken',
       'the spiking path is at the top of the report');
    cmp_ok($zone->{paths}, '<=', $zone->{capacity},
           "the zone holds no more than its $zone->{capacity} paths");
    # the zone is full: each flood path, seen once, is only noted
    cmp_ok($zone->{filtered}, '>', 95000, 'the flood was not admitted');
    cmp_ok($zone->{evicted}, '<', 1000, 'and pushed few tracked paths out');
    cmp_ok($zone->{counted}, '>=', 102000, 'every response was counted');
    is($t->get('/old-post')->{status}, 404, 'nginx still serves');
}

unlike($t->error_log, qr{\[(alert|crit|emerg)\]}, 'no alerts');

$t->stop;

done_testing;

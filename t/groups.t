# Groups of 404s on a real nginx: a broken page (one referer, paths in
# several directories) and a broken deploy (one directory, many referring
# pages) each log one line and one when they end; a random-path scanner
# logs nothing.  History: the counts of each window, across windows and a
# reload.

use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep time);
use JSON::PP ();
use lib 't/lib';
use TestNginx;

my $t = TestNginx->new(
    workers => 2,
    http => <<'HTTP');
    status_spike_zone zone=groups:4m window=10s;
    status_spike_zone zone=hist:1m window=2s threshold=1000 history=20s;

    server {
        listen 127.0.0.1:%%PORT%%;
        server_name localhost;
        root %%PREFIX%%/html;
        keepalive_requests 100000;
        status_spike groups;

        location /hist/ {
            status_spike hist;
        }

        location = /report {
            status_spike off;
            status_policy_report json;
        }
    }
HTTP

$t->start;

# requests pipelined on one connection: [path, host, referer]
sub send_all {
    my (@reqs) = @_;
    my @statuses;
    while (my @chunk = splice @reqs, 0, 100) {
        my $bytes = '';
        for my $i (0 .. $#chunk) {
            my ($path, $host, $ref) = @{ $chunk[$i] };
            $bytes .= "GET $path HTTP/1.1\r\nHost: $host\r\n"
                      . (defined $ref ? "Referer: $ref\r\n" : '')
                      . ($i == $#chunk ? "Connection: close\r\n" : '')
                      . "\r\n";
        }
        push @statuses, map { $_->{status} }
            TestNginx::parse_responses($t->raw($bytes, timeout => 20));
    }
    return @statuses;
}

sub lines {
    my ($re) = @_;
    return grep { /$re/ } split /\n/, $t->error_log;
}

sub report {
    my $r = $t->get('/report');
    return JSON::PP::decode_json($r->{body});
}

sub zone {
    my ($name) = @_;
    my ($z) = grep { $_->{name} eq $name } @{ report()->{zones} };
    return $z;
}

# -- a broken page: 40 images in four directories, the page viewed 5 times

my $page = 'https://shop.example/catalog/summer';
my @page = map {
    my $i = $_ % 40;
    ["/img/d" . ($i % 4) . "/p$i.png", 'shop.example', $page]
} 0 .. 199;
my @st = send_all(@page);
is(scalar(grep { $_ == 404 } @st), 200, 'the page: 200 404s');

# -- a broken deploy: 60 assets under one renamed directory, from 20 pages

my @kinds = qw(js css img);
my @deploy;
for my $p (0 .. 19) {
    for my $j (0 .. 11) {
        my $a = ($p * 3 + $j) % 60;
        push @deploy, ["/static/app-3f2a/$kinds[$a % 3]/a$a", 'deploy.example',
                       "https://deploy.example/p/$p"];
    }
}
@st = send_all(@deploy);
is(scalar(grep { $_ == 404 } @st), 240, 'the deploy: 240 404s');

# -- a scanner: random paths, no referer or a new one each time, one
# shared directory without referers

my @scan;
for my $i (1 .. 600) {
    my $n = int(rand(1e9)) . $i;
    push @scan, ["/$n.php", 'scan.example', undef],
                ["/x$n/admin.php", 'scan.example', "https://evil.example/$n"],
                ["/wp-content/plugins/p$n/readme.txt", 'scan.example', undef];
}
@st = send_all(@scan);
is(scalar(grep { $_ == 404 } @st), 1800, 'the scanner: 1800 404s');

{
    my @page_lines = lines(qr{\[warn\].*spike from referer});
    is(scalar @page_lines, 1, 'one line for the broken page')
        or diag join "\n", @page_lines;
    like($page_lines[0] // '',
         qr{status_policy: 404 spike from referer "https://shop\.example/catalog/summer": \d+ across \d+ paths in 10s, top paths "shop\.example/img/d\d/p\d+\.png" \(\d+\), },
         'naming the referer and its top paths');

    my @deploy_lines = lines(qr{\[warn\].*spike under});
    is(scalar @deploy_lines, 1, 'one line for the broken deploy')
        or diag join "\n", @deploy_lines;
    like($deploy_lines[0] // '',
         qr{status_policy: 404 spike under "deploy\.example/static/app-3f2a/": \d+ across \d+ paths in 10s, top referer "https://deploy\.example/p/\d+" \(\d+\)},
         'naming the directory and its top referer');

    is(scalar(lines(qr{spike.*(scan\.example|evil\.example)})), 0,
       'nothing for the scanner');
    is(scalar(lines(qr{spike on})), 0,
       'no per-path line: no path reached the threshold');

    my $z = zone('groups');
    my %g = map { ("$_->{kind} $_->{key}" => $_) } @{ $z->{groups} };
    my $pg = $g{"page $page"};
    ok($pg && $pg->{spiking} && !$pg->{folded}, 'the report: the page spikes');
    is($pg && $pg->{window_count}, 200, 'with its 200 hits');
    cmp_ok(abs(($pg ? $pg->{paths} : 0) - 40), '<=', 4,
           'across about 40 paths (an estimate)');
    my $dg = $g{'deploy deploy.example/static/app-3f2a/'};
    ok($dg && $dg->{spiking} && !$dg->{folded}, 'the deploy spikes');
    cmp_ok($dg ? $dg->{referers} : 0, '>=', 18, 'from about 20 referers');
    ok($g{'deploy shop.example/img/'}
           && $g{'deploy shop.example/img/'}{folded},
       "the page's directory is folded into the page");
    ok(!grep({ $_->{key} =~ /scan\.example|evil\.example/ && $_->{spiking} }
             @{ $z->{groups} }),
       'no group of the scanner spikes');
    my @ev = grep { $_->{event} eq 'start' } @{ $z->{events} };
    is_deeply([sort map { "$_->{kind} $_->{key}" } @ev],
              ['deploy deploy.example/static/app-3f2a/', "page $page"],
              'two start events kept');
}

# -- history: 3 hits, none, 5 hits in three windows of 2s, over a reload

sub next_window {
    my $w = 2;
    my $t0 = time;
    my $start = (int($t0 / $w) + 1) * $w;
    sleep($start - $t0 + 0.25);
}

next_window();
send_all(map { ['/hist/a', 'localhost', 'https://h.example/'] } 1 .. 3);
next_window();
$t->reload;
next_window();
send_all(map { ['/hist/a', 'localhost', 'https://h.example/'] } 1 .. 5);
{
    # a response is counted in the log phase, just after it is sent: the
    # report, served maybe by the other worker, may come a moment before
    # the last count (waiting well within the window)
    my $z = zone('hist');
    my $deadline = time + 1;
    while (($z->{history}[-1] // 0) < 5 && time < $deadline) {
        sleep 0.05;
        $z = zone('hist');
    }
    is(scalar @{ $z->{history} }, 10, '20s of 2s windows: 10 counts');
    my ($p) = grep { $_->{path} eq 'localhost/hist/a' } @{ $z->{top} };
    is_deeply([ @{ $p->{history} }[-3 .. -1] ], [3, 0, 5],
              "a path's history, across a reload")
        or diag explain $p->{history};
    is_deeply([ @{ $z->{history} }[-3 .. -1] ], [3, 0, 5],
              "the zone's history");
    my ($g) = grep { $_->{key} eq 'https://h.example/' } @{ $z->{groups} };
    is_deeply([ @{ $g->{history} }[-3 .. -1] ], [3, 0, 5],
              "a group's history");
    ok(!grep({ $_ } @{ $p->{history} }[0 .. 6]), 'nothing before');
}

# -- the groups end: one notice each, none for what was folded

ok($t->wait_for_log(qr{spike from referer "https://shop\.example/catalog/summer" is over after \d+s, peak 200 in 10s},
                    undef, 30),
   'the broken page ends with a notice');
ok($t->wait_for_log(qr{spike under "deploy\.example/static/app-3f2a/" is over after \d+s, peak 240 in 10s},
                    undef, 30),
   'the broken deploy ends with a notice');
is(scalar(lines(qr{spike under "shop\.example/img/})), 0,
   'a folded group has no line of its own');

# -- a reload with another history starts the zone afresh, and says so

$t->write_file('nginx.conf', $t->slurp('nginx.conf')
                                =~ s/history=20s/history=40s/r);
$t->reload_and_drain;
ok($t->wait_for_log(qr{status_spike_zone "hist" starts afresh: history 20s -> 40s},
                    undef, 10),
   'a new history length starts the zone afresh with a notice');
is(scalar @{ zone('hist')->{history} }, 20, 'now 20 windows');

unlike($t->error_log, qr{\[(alert|crit|emerg)\]}, 'no alerts');

done_testing;

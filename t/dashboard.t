# The HTML report as a live dashboard, in headless Chromium: it draws the
# zone's rate, the incidents first, sortable tables with sparklines; it
# refreshes itself from its own JSON and then shows new counts; every
# request-derived string stays text; it reads at a desktop and a phone
# width (screenshots are left in the test prefix).

use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep time);
use lib 't/lib';
use TestNginx;
use Chromium;

plan skip_all => 'chromium is not installed (make test-deps)'
    unless Chromium::binary();

my $t = TestNginx->new(
    workers => 2,
    http => <<'HTTP');
    status_spike_zone zone=site:4m window=60s threshold=10 history=30m;

    server {
        listen 127.0.0.1:%%PORT%%;
        server_name localhost;
        root %%PREFIX%%/html;
        keepalive_requests 100000;
        status_spike site;

        location = /favicon.ico {
            status_spike off;
            return 204;
        }

        location = /dashboard {
            status_spike off;
            status_policy_report html;
        }
    }
HTTP

$t->start;

sub send_all {
    my (@reqs) = @_;
    while (my @chunk = splice @reqs, 0, 100) {
        my $bytes = '';
        for my $i (0 .. $#chunk) {
            my ($path, $host, $ref) = @{ $chunk[$i] };
            $bytes .= "GET $path HTTP/1.1\r\nHost: $host\r\n"
                      . (defined $ref ? "Referer: $ref\r\n" : '')
                      . ($i == $#chunk ? "Connection: close\r\n" : '')
                      . "\r\n";
        }
        $t->raw($bytes, timeout => 20);
    }
}

# a broken page, a broken deploy, one path spiking, a hostile path
send_all(map { my $i = $_ % 30;
               ["/img/d" . ($i % 3) . "/p$i.png", 'shop.example',
                'https://shop.example/catalog/summer'] } 0 .. 149);
send_all(map { my $p = $_ % 12; my $a = ($p * 5 + int($_ / 12)) % 40;
               ["/static/app-3f2a/a$a.js", 'shop.example',
                "https://shop.example/p/$p"] } 0 .. 179);
send_all(map { ['/blog/old-post', 'shop.example',
                'https://news.example/2024'] } 1 .. 15);
my $hostile = '/x%3Cimg%20src=x%20onerror=alert(1)%3E';
send_all(map { [$hostile, 'shop.example', '"><script>alert(2)</script>'] }
         1 .. 8);

my $c = eval { Chromium->start };
ok($c, 'headless Chromium starts') or diag $@;
my $url = 'http://127.0.0.1:' . $t->port . '/dashboard?refresh=1';

SKIP: {
    skip 'no browser', 14 unless $c;

    $c->navigate($url, width => 1280, height => 900);
    is($c->js(q{document.querySelectorAll('section.zone').length}), 1,
       'one zone drawn');
    is($c->js(q{document.querySelectorAll('figure.rate svg polygon').length}),
       1, "the zone's rate over its history");
    my $incidents = $c->js(q{Array.from(document.querySelectorAll(
        'ul.incidents li')).map(li => li.className + ' ' + li.textContent)
        .join('\n')});
    like($incidents, qr{^page broken page from referer https://shop\.example/catalog/summer: }m,
         'the broken page first') or diag $incidents;
    like($incidents, qr{^deploy broken deploy under shop\.example/static/app-3f2a/: }m,
         'the broken deploy');
    like($incidents, qr{^path path shop\.example/blog/old-post: 15 in the window}m,
         'the spiking path');
    cmp_ok($c->js(q{document.querySelectorAll('table.paths svg.spark polyline').length}),
           '>=', 5, 'a sparkline per path');
    cmp_ok($c->js(q{document.querySelectorAll('table.groups svg.spark polyline').length}),
           '>=', 2, 'a sparkline per group');

    my $counted = sub {
        $c->js(q{Number(document.querySelector('section.zone .counted').textContent)});
    };
    my $before = $counted->();
    is($before, 353, 'the counts as served');
    send_all(map { ["/new/$_", 'shop.example', undef] } 1 .. 25);
    my $after = $c->wait_for(q{Number(document.querySelector('section.zone .counted')
                                      .textContent) >= 378
                               && document.getElementById('live')
                                      .getAttribute('data-refreshes')}, 30);
    ok($after, 'the page refreshes itself from its JSON');
    is($counted->(), 378, 'and then shows the new counts');
    like($c->js(q{document.getElementById('live').textContent}),
         qr{live: every 1 s}, 'and says it is live');

    # the hostile strings are text, before and after a refresh
    is($c->js(q{document.querySelectorAll('img, script:not(:first-of-type)')
                .length + document.querySelectorAll('script').length}), 1,
       'no element came from a request (only the page\'s own script)');
    like($c->js(q{document.body.textContent}),
         qr{shop\.example/x<img src=x onerror=alert\(1\)>},
         'a hostile path shown as text');

    # sorting: by total, largest first, then smallest first
    my $totals = q{Array.from(document.querySelectorAll('table.paths tbody tr'))
                   .map(tr => Number(tr.cells[3].getAttribute('data-v')))};
    $c->js(q{document.querySelector('table.paths thead th:nth-child(4)').click()});
    my $desc = $c->js($totals);
    is_deeply($desc, [sort { $b <=> $a } @$desc], 'sorted by total, descending');
    $c->js(q{document.querySelector('table.paths thead th:nth-child(4)').click()});
    my $asc = $c->js($totals);
    is_deeply($asc, [sort { $a <=> $b } @$asc], 'and ascending');
    sleep 1.5;  # a refresh keeps the order
    is_deeply($c->js($totals), [sort { $a <=> $b } @{ $c->js($totals) }],
              'the order survives a refresh');

    my $desktop = $c->screenshot($t->prefix . '/dashboard-desktop.png',
                                 max_height => 1100);
    ok(-s $desktop > 20000, "a desktop screenshot: $desktop");
    my $full = $c->screenshot($t->prefix . '/dashboard-desktop-full.png');
    ok(-s $full > -s $desktop, "and of the whole page: $full");

    $c->navigate($url, width => 390, height => 844, scale => 2, mobile => 1);
    cmp_ok($c->js(q{document.documentElement.scrollWidth}), '<=', 390,
           'at a phone width the page does not scroll sideways');
    my $phone = $c->screenshot($t->prefix . '/dashboard-phone.png',
                               max_height => 1400);
    ok(-s $phone > 20000, "a phone screenshot: $phone");

    # the images are PNG files
    for my $png ($desktop, $phone) {
        open my $f, '<:raw', $png or die;
        read $f, my $magic, 8;
        is($magic, "\x89PNG\r\n\x1a\n", "$png is a PNG");
    }
}

unlike($t->error_log, qr{\[(alert|crit|emerg)\]}, 'no alerts');

done_testing;

# status_policy_report: JSON that parses, Prometheus text that promtool
# accepts, HTML that renders in a headless browser; rule hit counters
# shared by the workers; every request-derived string escaped.

use strict;
use warnings;
use Test::More;
use JSON::PP;
use lib 't/lib';
use TestNginx;

my $t = TestNginx->new(
    workers => 2,
    files => { 'retired.rules' => "410 /old-blog/\n410 = /about-2019.html\n"
                                  . "301 /docs/v1/ /docs/v2/\n" },
    http => <<'HTTP');
    status_spike_zone zone=spikes:1m window=60s threshold=5;
    status_spike_zone zone=other:128k codes=404,410;

    server {
        listen 127.0.0.1:%%PORT%%;
        server_name localhost;
        root %%PREFIX%%/html;
        status_spike spikes;
        status_policy_file retired.rules;

        location = /report {
            status_spike off;
            status_policy_report;
        }

        location = /metrics {
            status_spike off;
            status_policy_report prometheus;
        }

        location = /report.html {
            status_spike off;
            status_policy_report html;
        }

        # a level whose rule is written after the location inside it
        location /tie/ {
            location /tie/deep/ {
                status_policy 410 /tie/deep/;
            }
            status_policy 410 /tie/;
        }
    }
HTTP

$t->start;

my $hostile_path = '/evil%22%3Cscript%3Ealert(1)%3C%2Fscript%3E%0A%FF';
my $hostile_ref = 'https://r.example/"><img src=x onerror=alert(1)>' . "\x01";

$t->get($hostile_path, headers => ["Referer: $hostile_ref"]) for 1 .. 6;
$t->get('/broken-link', headers => ['Referer: https://news.example/a'])
    for 1 .. 7;
$t->get('/old-blog/2019/post') for 1 .. 3;
$t->get('/about-2019.html');
$t->get('/docs/v1/x') for 1 .. 2;
$t->get('/tie/deep/x');
$t->get('/tie/x');

{
    my $r = $t->get('/report');
    is($r->{status}, 200, 'JSON report: 200');
    is($r->{headers}{'content-type'}, 'application/json', 'JSON type');
    is($r->{headers}{'cache-control'}, 'no-store', 'never cached');
    my $doc = eval { decode_json($r->{body}) };
    ok($doc, 'the JSON parses') or diag "$@\n$r->{body}";
    $doc //= {};

    my ($zone) = grep { $_->{name} eq 'spikes' } @{ $doc->{zones} // [] };
    ok($zone, 'the zone is there');
    my @top = @{ $zone->{top} // [] };
    is($top[0]{path}, 'localhost/broken-link', 'the top path first');
    is($top[0]{window_count}, 7, 'its count in the window');
    is($top[0]{referers}[0]{referer}, 'https://news.example/a',
       'its top referer');
    ok($top[0]{spiking}, 'it is spiking');
    ok((grep { $_ eq 'localhost/broken-link' } @{ $zone->{spikes} }),
       'and listed among the spikes');

    my ($evil) = grep { $_->{path} =~ /evil/ } @top;
    is($evil->{path}, "localhost/evil\"<script>alert(1)</script>\n\x{fffd}",
       'a hostile path survives as data');
    is($evil->{referers}[0]{referer},
       'https://r.example/"><img src=x onerror=alert(1)>' . "\x01",
       'a hostile referer survives as data');
    unlike($r->{body}, qr{<script>|<img}, 'no raw markup in the JSON text');

    my %hits = map { $_->{pattern} => $_ } @{ $doc->{rules} // [] };
    is($hits{'/old-blog/'}{hits}, 3, 'rule hits, counted across workers');
    is($hits{'= /about-2019.html'}{hits}, 1, 'an exact rule');
    is($hits{'/docs/v1/'}{code}, 301, 'a redirect rule, with its code');
    like($hits{'/old-blog/'}{rule}, qr{/retired\.rules:1$},
         'rules are named source:line');
    is($doc->{rules}[0]{pattern}, '/old-blog/', 'the most hit rule first');
    is_deeply([map { $_->{pattern} } grep { $_->{hits} == 1 }
                   @{ $doc->{rules} // [] }],
              ['= /about-2019.html', '/tie/', '/tie/deep/'],
              'equal counts in configuration order: outer levels first');

    my ($other) = grep { $_->{name} eq 'other' } @{ $doc->{zones} };
    is_deeply($other->{codes}, [404, 410], 'a zone lists its codes');
    is($other->{paths}, 0, 'an unused zone is empty');
}

{
    my $r = $t->get('/report?format=prometheus');
    like($r->{headers}{'content-type'}, qr{^text/plain; version=0\.0\.4},
         '?format=prometheus');
    my $r2 = $t->get('/metrics');
    is($r2->{body} =~ s/^status_policy_zone_counted_total.*$//mr,
       $r->{body} =~ s/^status_policy_zone_counted_total.*$//mr,
       'the directive argument gives the same');
    like($r->{body}, qr{^status_policy_rule_hits_total\{rule="[^"]*retired\.rules:1",code="410"\} 3$}m,
         'rule hits as a counter');
    like($r->{body}, qr{^status_policy_path_window_hits\{zone="spikes",path="localhost/evil\\"<script>alert\(1\)</script>%0A%FF",code="404"\} 6$}m,
         'a hostile path as an escaped label');

  SKIP: {
        skip 'promtool is not installed', 1 unless `which promtool` =~ /\S/;
        my $file = $t->prefix . '/metrics.txt';
        open my $fh, '>', $file or die $!;
        print $fh $r->{body};
        close $fh;
        my $out = `promtool check metrics < '$file' 2>&1`;
        is($?, 0, 'promtool check metrics accepts it') or diag $out;
    }
}

{
    my $r = $t->get('/report', headers => ['Accept: text/html,*/*;q=0.8']);
    like($r->{headers}{'content-type'}, qr{^text/html}, 'Accept: text/html');
    my $html = $t->get('/report.html')->{body};
    like($html, qr{^<!DOCTYPE html>}, 'an HTML page');
    like($html, qr{<svg [^>]*>.*<rect }s, 'with an inline SVG bar chart');
    unlike($html, qr{<script[^>]*\ssrc|<img|<link|<[a-z][^>]*\s(?:src|href)=|url\(|\@import}i,
           'no external asset, nothing injected');
    my @scripts = $html =~ m{<script>(.*?)</script>}sg;
    is(scalar @scripts, 1, 'one inline script, the live refresh');
    like($scripts[0] // '', qr{fetch\(location\.pathname \+ '\?format=json'},
         'which fetches the page\'s own JSON');
    unlike($scripts[0] // '', qr{innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(},
           'and sets text only');
    my $json = $t->get('/report.html?format=json');
    is($json->{headers}{'content-type'}, 'application/json',
       'an html location also answers ?format=json');
    ok(eval { decode_json($json->{body}) }, 'with JSON that parses');
    is($t->get('/metrics?format=json')->{headers}{'content-type'},
       'text/plain; version=0.0.4; charset=utf-8',
       'a prometheus location stays Prometheus');
    like($html, qr{localhost/evil&quot;&lt;script&gt;alert\(1\)&lt;/script&gt;},
         'a hostile path escaped');

    my $r3 = $t->get('/report', headers => ['Accept: text/plain']);
    like($r3->{headers}{'content-type'}, qr{^text/plain}, 'Accept: text/plain');

    # the format Accept prefers by its q-values, not the first one named
    my @negotiated = (
        ['application/json;q=0.1, text/html', qr{^text/html},
         'a JSON type with a lower q loses to HTML'],
        ['text/html;q=0.2, application/json;q=0.9', qr{^application/json},
         'the higher q wins whatever the order'],
        ['application/openmetrics-text;version=1.0.0,'
         . 'application/openmetrics-text;version=0.0.1;q=0.75,'
         . 'text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
         qr{^text/plain}, "Prometheus's own Accept"],
        ['*/*', qr{^application/json}, 'any type: JSON'],
        ['text/html, text/plain', qr{^text/html},
         'a tie between HTML and Prometheus: HTML'],
        ['image/png', qr{^application/json}, 'nothing offered: JSON'],
    );
    for my $n (@negotiated) {
        my ($accept, $type, $name) = @$n;
        like($t->get('/report', headers => ["Accept: $accept"])
                 ->{headers}{'content-type'}, $type, $name);
    }

    my $post = $t->get('/report', method => 'POST');
    is($post->{status}, 405, 'only GET and HEAD');

  SKIP: {
        my ($chromium) = grep { `which $_ 2>/dev/null` =~ /\S/ }
                         qw(chromium chromium-browser);
        skip 'chromium is not installed', 2 unless $chromium;
        my $png = $t->prefix . '/report.png';
        my $url = 'http://127.0.0.1:' . $t->port . '/report.html';
        my $dom = `$chromium --headless --no-sandbox --disable-gpu --dump-dom '$url' 2>/dev/null`;
        like($dom, qr{<svg.*localhost/broken-link}s,
             'headless Chromium renders the page');
        system("$chromium --headless --no-sandbox --disable-gpu "
               . "--window-size=1200,900 --screenshot='$png' '$url' "
               . ">/dev/null 2>&1");
        ok(-s $png, "a screenshot: $png");
    }
}

unlike($t->error_log, qr{\[(alert|crit)\]}, 'no alerts');

done_testing;

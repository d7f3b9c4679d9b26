# A large rules file (200k exact, 20k prefixes, 200 regexes), long
# patterns that nginx's own map would refuse with default buckets, and
# long request paths.

use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time);
use lib 't/lib';
use TestNginx;

my $rules = '';
for my $i (1 .. 200_000) {
    $rules .= $i % 10 ? "410 = /articles/$i/some-long-slug-number-$i.html\n"
                      : "301 = /p/$i /products/$i\n";
}
for my $i (1 .. 20_000) {
    $rules .= "410 /section-$i/\n";
}
for my $i (1 .. 200) {
    $rules .= "410 ~ ^/legacy-$i/[a-z]+/\\d+\\.php\$\n";
}
my $long = '/' . join('/', map { "segment-$_-of-a-very-long-path" } 1 .. 10);
$rules .= "410 = $long\n";
$rules .= "410 /" . ('x' x 300) . "/\n";

my $t = TestNginx->new(
    files => { 'big.rules' => $rules },
    http => <<'HTTP');
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name localhost;
        absolute_redirect off;
        status_policy_file big.rules;
        location / {
            return 200 "served\n";
        }
    }
HTTP

my $start = time;
my ($rc, $out) = $t->test_config;
my $elapsed = time - $start;
is($rc, 0, 'nginx -t accepts 220k rules') or diag $out;
note(sprintf 'nginx -t with 220k rules: %.2f s (make bench measures speed)',
     $elapsed);

$t->start;

sub status_of { $t->get(shift)->{status} }

is(status_of('/articles/1/some-long-slug-number-1.html'), 410, 'first exact');
is(status_of('/articles/199999/some-long-slug-number-199999.html'), 410,
   'last exact');
is(status_of('/articles/199999/some-long-slug-number-19999.html'), 200,
   'near miss');
my $r = $t->get('/p/123450?ref=x');
is("$r->{status} $r->{headers}{location}", '301 /products/123450?ref=x',
   'exact redirect');
is(status_of('/section-20000/a/b'), 410, 'last prefix');
is(status_of('/section-20001/a'), 200, 'prefix miss');
is(status_of('/legacy-200/abc/42.php'), 410, 'last regex');
is(status_of('/legacy-200/abc/x.php'), 200, 'regex miss');
ok(length($long) > 300, 'a pattern longer than 300 bytes');
is(status_of($long), 410, 'long exact pattern');
is(status_of('/' . ('x' x 300) . '/deeper'), 410, 'long prefix pattern');
is(status_of('/' . ('y' x 3000)), 200, 'a 3000-byte path that misses');

done_testing;

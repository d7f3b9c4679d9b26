# status-policy-check: lint and explain without nginx.

use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use lib 't/lib';
use TestNginx;

my $tool = $ENV{STATUS_POLICY_CHECK}
    || "$TestNginx::ROOT/build/status-policy-check";
plan skip_all => "no $tool (make check-tool)" unless -x $tool;

my $dir = tempdir('sptest-XXXXXX', TMPDIR => 1, CLEANUP => 1);

sub write_rules {
    my ($name, $text) = @_;
    open my $fh, '>', "$dir/$name" or die $!;
    print $fh $text;
    close $fh;
    return "$dir/$name";
}

sub run {
    my $out = `'$tool' @{[ map { "'$_'" } @_ ]} 2>&1`;
    return ($? >> 8, $out);
}

my $good = write_rules('good.rules', <<'RULES');
410 = /about-2019.html
410 /old-blog/
410 ^~ /archive/
410 ~ ^/cgi-bin/.*\.pl$
301 /docs/v1/ /docs/v2/
301 ~* ^/blog/(\d{4})/(.*)\.html$ /posts/$1/$2/
RULES
my $bad = write_rules('bad.rules', "410 = /a\n301 /b\n");
my $dup = write_rules('dup.rules', "410 = /a\n# x\n410 = /a\n");

my ($rc, $out) = run('lint', $good);
is($rc, 0, 'lint: good file');
is($out, "6 rules, no errors\n", 'lint: count');

($rc, $out) = run('lint', $bad);
is($rc, 1, 'lint: bad file exits 1');
is($out, "$bad:2: status code 301 requires a target\n",
   'lint: file:line: reason, as nginx -t says it');

($rc, $out) = run('lint', $dup);
is($rc, 1, 'lint: duplicate');
is($out, "duplicate rule \"/a\" at $dup:3, first at $dup:1\n",
   'lint: duplicate names both lines');

($rc, $out) = run('lint', "$dir/none.rules");
is($rc, 1, 'lint: missing file');
like($out, qr{none\.rules: cannot open: No such file or directory},
     'lint: missing file reason');

($rc, $out) = run('explain', $good, '/old-blog/2020/post');
is($rc, 0, 'explain: a match');
is($out, "/old-blog/2020/post: $good:2: 410 /old-blog/ (prefix match)\n",
   'explain: source, line, rule and kind');

($rc, $out) = run('explain', $good, '/BLOG/2019/launch.html');
like($out, qr{^/BLOG/2019/launch\.html: \Q$good\E:6: 301 ~\* .* \(regex \(~\*\) match\)\n  Location: /posts/2019/launch/\n$},
     'explain: redirect target after substitution');

($rc, $out) = run('explain', $good, '/archive/cgi-bin/x.pl');
like($out, qr{:3: 410 \^~ /archive/ \(prefix \(\^~\) match\)}, 'explain: ^~ wins');

($rc, $out) = run('explain', $good, '/nothing');
is($rc, 1, 'explain: no match exits 1');
is($out, "/nothing: no rule matches\n", 'explain: no match');

($rc, $out) = run('explain', '-i', $good, '/ABOUT-2019.HTML');
like($out, qr{:1: 410 = /about-2019\.html \(exact match\)}, 'explain -i');

($rc, $out) = run('frobnicate', $good);
is($rc, 2, 'unknown command: usage');

done_testing;

# A regex that runs into PCRE2's limits counts as no match, is logged at
# warn with its rule, and does not stall the worker.

use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time);
use lib 't/lib';
use TestNginx;

my $t = TestNginx->new(http => <<'HTTP');
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name localhost;

        status_policy 410 ~ ^/(a+)+$;
        status_policy 451 ~ ^/(b+)+$;
        status_policy 404 ~ !$;

        location / {
            return 200 "served\n";
        }
    }
HTTP

$t->start;
my $conf = $t->prefix . '/nginx.conf';

my $path = '/' . ('a' x 40) . 'b';
my $start = time;
my $r = $t->get($path);
my $elapsed = time - $start;
is($r->{status}, 200, 'a pathological regex counts as no match');
cmp_ok($elapsed, '<', 0.5, sprintf('answered in %.3f s: bounded', $elapsed));

like($t->wait_for_log(qr/^.*PCRE2 match limit.*$/m) // '',
     qr{\[warn\] .*status_policy: rule \Q$conf\E:\d+ hit the PCRE2 match limit on "/a{40}b", treated as no match},
     'warn line names the rule and the path');

# later rules are still tried
$r = $t->get('/' . ('b' x 40) . 'a!');
is($r->{status}, 404, 'a later regex still matches after a limited one');

# ten crafted requests at once on the one worker do not hold up the others
{
    my @pids;
    for (1 .. 10) {
        my $pid = fork // die "fork: $!";
        if ($pid == 0) {
            $t->get('/' . ('a' x 40) . "b$_");
            exit 0;
        }
        push @pids, $pid;
    }
    my $t0 = time;
    my $ok = $t->get('/fine');
    my $took = time - $t0;
    waitpid($_, 0) for @pids;
    is($ok->{status}, 200, 'a normal request beside ten crafted ones');
    cmp_ok($took, '<', 2, sprintf('... answered in %.3f s', $took));
}

# the worker is alive and answers at once
is($t->get('/aaa')->{status}, 410, 'the regex still works on normal paths');
is($t->get('/fine')->{status}, 200, 'worker alive');
unlike($t->error_log, qr/\[(alert|crit|emerg)\]/, 'no crash or alert');

done_testing;

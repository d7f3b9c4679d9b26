# The rule hit counters across reloads, with several workers.  A counter
# belongs to what its rule is, not to its line: a reload that leaves the
# rules as they were keeps the counts; one that adds rules (1, then 600,
# then 1 again), removes or reorders them carries every kept rule's count
# and first and last hit, crediting no other rule; a changed rule starts
# at zero; a reload refused while requests come in changes nothing, and
# the running workers count every one of them.

use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep time);
use JSON::PP ();
use POSIX ();
use lib 't/lib';
use TestNginx;

sub rules {
    my ($n) = @_;
    return join '', map { "410 = /gone/$_\n" } 1 .. $n;
}

my $t = TestNginx->new(
    workers => 2,
    files => { 'gone.rules' => rules(1) },
    http => http('65s'));

sub http {
    my ($keepalive) = @_;
    return <<"HTTP";
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name localhost;
        status_policy_file gone.rules;
        keepalive_timeout $keepalive;

        location = /report {
            status_policy_report json;
        }

        location /moved/ {
            status_policy_file moved.rules;
        }
    }
HTTP
}

$t->write_file('moved.rules', "301 /moved/a/ /new/a/\n");
$t->start;

sub report {
    return eval { JSON::PP::decode_json($t->get('/report')->{body}) } // {};
}

sub rules_of { return { map { $_->{pattern} => $_ } @{ report()->{rules} // [] } } }

sub hits_of {
    my $r = rules_of();
    return { map { $_ => $r->{$_}{hits} } keys %$r };
}

sub reload_with {
    my (%files) = @_;
    $t->write_file($_, $files{$_}) for keys %files;
    $t->reload_and_drain;
}

sub get_n {
    my ($path, $n) = @_;
    $t->get($path) for 1 .. $n;
}

my $first_hit;

{
    get_n('/gone/1', 5);
    my $r = rules_of()->{'= /gone/1'};
    is($r->{hits}, 5, 'counted across the workers');
    like($r->{first_hit}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
         'the first hit time is shown');
    $first_hit = $r->{first_hit};
    is(report()->{rules_total}, 2, 'two rules configured');
    is(report()->{rules_never_hit}, 1, 'one of them never hit');

    # the same rules, another setting: the counts go on
    $t->{http} = http('30s');
    $t->write_files;
    reload_with();
    get_n('/gone/1', 2);
    is(hits_of()->{'= /gone/1'}, 7,
       'a reload that leaves the rules as they were keeps the counts');
}

{
    sleep 1.1;   # a later second for the last hit
    reload_with('gone.rules' => rules(600));
    get_n('/gone/600', 3);
    get_n('/gone/1', 1);
    my $r = rules_of();
    is($r->{'= /gone/600'}{hits}, 3, '600 rules: the last rule counted');
    is($r->{'= /gone/1'}{hits}, 8, 'a kept rule counts on among 600');
    is($r->{'= /gone/1'}{first_hit}, $first_hit, 'its first hit is kept');
    cmp_ok($r->{'= /gone/1'}{last_hit}, 'gt', $first_hit,
           'its last hit is the latest');
    is(scalar keys %$r, 2, 'no other rule credited');
    is(report()->{rules_never_hit}, 599, '599 of 601 rules never hit');

    reload_with('gone.rules' => rules(1));
    get_n('/gone/1', 2);
    is_deeply(hits_of(), { '= /gone/1' => 10 },
              'back to 1 rule: its count kept, the removed ones gone');
}

{
    get_n('/moved/a/x', 4);
    reload_with('gone.rules' => "410 = /gone/new\n410 = /gone/2\n"
                                . rules(1),
                'moved.rules' => "404 /moved/b/\n301 /moved/a/ /new/a/\n");
    get_n('/gone/2', 1);
    my $h = hits_of();
    is($h->{'= /gone/1'}, 10, 'a rule moved to another line keeps its count');
    is($h->{'/moved/a/'}, 4, 'so does one after a rule put before it');
    is($h->{'= /gone/2'}, 1, 'a new rule counts from zero');
    is(scalar keys %$h, 3, 'and is the only other one credited');

    reload_with('moved.rules' => "301 /moved/a/ /elsewhere/\n");
    get_n('/moved/a/y', 1);
    is(hits_of()->{'/moved/a/'}, 1,
       'a rule whose target changed starts at zero');
}

{
    my $before = hits_of()->{'= /gone/1'};
    my $workers = () = $t->error_log =~ /start worker process/g;

    # requests all through the refused reload, each on its own connection
    my $n = 200;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        $t->get('/gone/1') for 1 .. $n;
        POSIX::_exit(0);
    }
    sleep 0.1;
    $t->write_file('gone.rules', rules(1) . "bogus line\n");
    ok($t->reload_refused(qr{\[emerg\] .*gone\.rules:2}),
       'a reload refused for a bad rules file, with requests coming in');
    waitpid($pid, 0);
    is(hits_of()->{'= /gone/1'}, $before + $n,
       'the running workers counted every request');
    my $now = () = $t->error_log =~ /start worker process/g;
    is($now, $workers, 'no worker was started');
}

done_testing;

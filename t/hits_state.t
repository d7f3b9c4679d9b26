# status_policy_hits_state: rule hit counts and first and last hit times
# kept across a restart in a file; a missing file created, a corrupt,
# truncated or foreign one set aside with a log line while nginx starts
# with zero counts; a file that cannot be written logged once, written
# again once it can; a worker killed loses nothing; "nginx -t" touches
# nothing; and status-policy-check unused reads what nginx wrote.

use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep time);
use JSON::PP ();
use lib 't/lib';
use TestNginx;

my $CHECK = $ENV{STATUS_POLICY_CHECK}
    || "$TestNginx::ROOT/build/status-policy-check";

my $t = TestNginx->new(
    workers => 2,
    files => { 'gone.rules' => "410 = /gone/1\n410 = /gone/2\n"
                               . "301 /old/ /new/\n" },
    http => <<'HTTP');
    status_policy_hits_state %%PREFIX%%/state/hits interval=1s;

    server {
        listen 127.0.0.1:%%PORT%%;
        status_policy_file gone.rules;

        location = /report {
            status_policy_report json;
        }
    }
HTTP

mkdir $t->prefix . '/state';
my $state = $t->prefix . '/state/hits';

sub report {
    return eval { JSON::PP::decode_json($t->get('/report')->{body}) } // {};
}

sub rules_of { return { map { $_->{pattern} => $_ } @{ report()->{rules} // [] } } }

sub wait_for_file {
    my ($re) = @_;
    my $deadline = time + 10;
    while (time < $deadline) {
        return 1 if $t->slurp('state/hits') =~ $re;
        sleep 0.1;
    }
    return 0;
}

sub set_aside {
    return grep { !/\.tmp\./ } glob "$state.bad-*";
}

subtest 'a missing file is created' => sub {
    my ($rc, $out) = $t->test_config;
    is($rc, 0, 'nginx -t accepts the directive') or diag $out;
    ok(!-e $state, 'nginx -t creates no file');

    $t->start;
    like($t->error_log, qr/\[notice\] .*status_policy_hits_state ".*hits" does not exist yet/,
         'a notice says the counts start from zero');
    ok(wait_for_file(qr/^# status_policy hits state 1\n/), 'the file is written at start');
    like($t->slurp('state/hits'), qr/^source\t\Q${\$t->prefix}\E\/gone\.rules\t3$/m,
         'it knows the rules file and its 3 rules');
};

my ($first, $last);

subtest 'counts and hit times survive a restart' => sub {
    $t->get('/gone/1') for 1 .. 4;
    sleep 1.1;
    $t->get('/old/page') for 1 .. 2;
    my $r = rules_of();
    ($first, $last) = ($r->{'= /gone/1'}{first_hit}, $r->{'/old/'}{last_hit});
    ok(wait_for_file(qr/^rule\t[0-9a-f]{16}\t2\t/m), 'written every interval');

    $t->get('/gone/1');   # after the last interval: written at shutdown
    $t->stop;
    like($t->slurp('state/hits'), qr/^rule\t[0-9a-f]{16}\t5\t.*\t=\t\/gone\/1\t$/m,
         'written as nginx stops');

    $t->start;
    like($t->error_log, qr/the counts of 2 of 3 rules read/, 'read at start');
    $r = rules_of();
    is($r->{'= /gone/1'}{hits}, 5, 'hits kept');
    is($r->{'= /gone/1'}{first_hit}, $first, 'first hit kept');
    is($r->{'/old/'}{last_hit}, $last, 'last hit kept');
    is(report()->{rules_never_hit}, 1, 'the rule never hit still is');
};

subtest 'a rule reordered keeps its count across a restart, a changed one does not' => sub {
    $t->stop;
    $t->{files}{'gone.rules'} = "301 /old/ /newer/\n410 = /gone/2\n410 = /gone/1\n";
    $t->write_files;
    $t->start;
    my $r = rules_of();
    is($r->{'= /gone/1'}{hits}, 5, 'moved to line 3: its count kept');
    is($r->{'= /gone/1'}{rule}, $t->prefix . '/gone.rules:3', 'named by its new line');
    ok(!$r->{'/old/'}, 'the rule with a new target starts at zero');
};

subtest 'a worker killed loses no count' => sub {
    $t->get('/gone/1');
    my @pids = $t->error_log =~ /start worker process (\d+)/g;
    kill 'KILL', $pids[-1], $pids[-2];
    my $deadline = time + 10;
    sleep 0.1 while (() = $t->error_log =~ /start worker process/g) < @pids + 2
                    && time < $deadline;
    is(rules_of()->{'= /gone/1'}{hits}, 6, 'the zone kept the counts');
    ok(wait_for_file(qr/^rule\t[0-9a-f]{16}\t6\t/m),
       'the new first worker writes the file');
};

subtest 'a file that cannot be written' => sub {
    # a directory in its place: the rename fails, the counts stay in memory
    unlink $state;
    mkdir $state;
    ok($t->wait_for_log(qr/\[error\] .*status_policy_hits_state ".*hits": cannot rename/),
       'the failure is logged');
    sleep 2.2;
    my $logged = () = $t->error_log =~ /cannot rename/g;
    is($logged, 1, 'once, not every interval');
    $t->get('/gone/2');
    rmdir $state;
    ok($t->wait_for_log(qr/\[notice\] .*status_policy_hits_state ".*hits" written again/),
       'written again once it can be');
    ok(wait_for_file(qr/\t=\t\/gone\/2\t$/m), 'with the counts of meanwhile');
};

subtest 'after a reload the old first worker leaves the new file alone' => sub {
    my ($http, $rules) = ($t->{http}, $t->{files}{'gone.rules'});
    ($t->{http} = $http) =~ s/interval=1s/interval=1m/;
    $t->{files}{'gone.rules'} .= "410 = /gone/3\n";
    $t->write_files;
    $t->reload_and_drain;
    like($t->slurp('state/hits'), qr/^source\t.*gone\.rules\t4$/m,
         'the file is the new configuration\'s, not the exiting worker\'s');
    ($t->{http}, $t->{files}{'gone.rules'}) = ($http, $rules);
    $t->write_files;
    $t->reload_and_drain;
};

my $good = $t->slurp('state/hits');

sub start_with_state {
    my ($text, $name) = @_;
    $t->stop;
    unlink set_aside();
    $t->write_file('state/hits', $text);
    my $log_before = length $t->error_log;

    my ($rc) = $t->test_config;
    is($t->slurp('state/hits'), $text, "$name: nginx -t leaves the file alone");
    is(scalar(set_aside()), 0, "$name: and sets nothing aside");

    $t->start;
    my $log = substr $t->error_log, $log_before;
    my @aside = set_aside();
    is(scalar @aside, 1, "$name: set aside");
    is(@aside ? do { open my $fh, '<', $aside[0]; local $/; <$fh> } : undef,
       $text, "$name: as it was");
    is($t->get('/gone/1')->{status}, 410, "$name: nginx runs");
    is(rules_of()->{'= /gone/1'}{hits}, 1, "$name: counting from zero");
    ok(wait_for_file(qr/^end\t\d+\n\z/m), "$name: a good file written in its place");
    return $log;
}

subtest 'a corrupt file is set aside' => sub {
    (my $bad = $good) =~ s/^(rule\t\w+\t)\d+/${1}many/m;
    like(start_with_state($bad, 'corrupt'),
         qr/\[error\] .*status_policy_hits_state ".*hits": line \d+: the hit count is not a number; set aside as ".*hits\.bad-\d+"; the rule hit counts start from zero/,
         'the log names the line and the reason');
};

subtest 'a truncated file is set aside' => sub {
    like(start_with_state(substr($good, 0, length($good) - 8), 'truncated'),
         qr/\[error\] .*: (truncated after line \d+ \(no end line\)|line \d+: truncated)/,
         'the log says it is truncated');
};

subtest 'a foreign file is set aside' => sub {
    like(start_with_state("\x00\x01binary\xff\n" x 20, 'binary'),
         qr/\[error\] .*: line 1: not a status_policy hits state file/,
         'the log says what it is not');
    like(start_with_state("# status_policy hits state 2\nend\t0\n", 'newer format'),
         qr/\[error\] .*: line 1: a state file of another format \(2\)/,
         'a file of another format is named as such');
};

subtest 'configuration errors' => sub {
    my $http = $t->{http};
    for ([ 'interval=0s' => qr/invalid interval "0s"/ ],
         [ 'interval=soon' => qr/invalid interval "soon"/ ],
         [ 'every=1s' => qr/invalid parameter "every=1s"/ ]) {
        my ($arg, $re) = @$_;
        ($t->{http} = $http) =~ s/interval=1s/$arg/;
        $t->write_files;
        my ($rc, $out) = $t->test_config;
        isnt($rc, 0, "$arg refused");
        like($out, qr/$re.* in .*nginx\.conf:\d+/, "$arg: the reason and file:line");
    }
    ($t->{http} = $http) =~ s{state/hits}{nowhere/hits};
    $t->write_files;
    my ($rc, $out) = $t->test_config;
    like($out, qr/the directory ".*nowhere" of ".*nowhere\/hits" does not exist in .*nginx\.conf:\d+/,
         'a directory that does not exist is named');
    $t->{http} = $http;
    $t->write_files;
};

subtest 'status-policy-check unused reads the file nginx wrote' => sub {
    ok(-x $CHECK, "$CHECK is built");
    $t->get('/gone/2');
    $t->stop;
    my $rules = $t->prefix . '/gone.rules';
    my $out = `'$CHECK' unused '$rules' '$state' 2>&1`;
    is($? >> 8, 0, 'exit 0');
    like($out, qr/^# 1 of 3 rules with no hit at all/m, 'a summary line');
    like($out, qr{^301 /old/ /newer/  # \Q$rules\E:1: never hit$}m,
         'the rule never hit, in rules-file syntax');
    unlike($out, qr{^410 = /gone/}m, 'not the rules that were hit');

    $out = `'$CHECK' unused --json '$rules' '$state' 2>&1`;
    my $doc = eval { JSON::PP::decode_json($out) };
    ok($doc, 'valid JSON') or diag $out;
    is_deeply([ map { "$_->{code} $_->{pattern} $_->{target}" } @{ $doc->{unused} } ],
              [ '301 /old/ /newer/' ], 'listing the rule never hit');

    sleep 2.1;   # every hit is now more than 1s old
    $out = `'$CHECK' unused --since 1s '$rules' '$state' 2>/dev/null`;
    like($out, qr/^# 3 of 3 rules with no hit since/m,
         '--since: rules last hit before the cutoff are listed too');

    $out = `'$CHECK' unused /etc/hostname '$state' 2>&1`;
    isnt($? >> 8, 0, 'a file that is no rules file fails');
};

done_testing;

# One rules file loaded alone by many levels is parsed and compiled once
# and shared; every level still answers with it and counts its own hits.
# A level that adds rules, or compiles with another ignore_case, gets its
# own copy, and the others are unchanged.  nginx logs at info which
# engine each level's regexes run on.

use strict;
use warnings;
use Test::More;
use JSON::PP ();
use lib 't/lib';
use TestNginx;

# servers NAME1.test .. NAMEn.test, each loading shared.rules alone
sub servers {
    my ($name, $n) = @_;
    return join '', map { <<"SERVER" } 1 .. $n;
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name $name$_.test;
        status_policy_file shared.rules;
        location = /report { status_policy_report json; }
    }
SERVER
}

my $servers = servers('s', 30);

my $signatures = join '', map { "444 ~* shell$_\\.(php|asp)\n" } 1 .. 8;

my $t = TestNginx->new(
    files => { 'shared.rules' => "410 = /gone\n410 /old/\n$signatures" },
    http => <<"HTTP");
$servers
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name extra.test;
        status_policy_file shared.rules;
        status_policy 410 = /extra-only;
    }

    server {
        listen 127.0.0.1:%%PORT%%;
        server_name folded.test;
        status_policy_ignore_case on;
        status_policy_file shared.rules;
    }
HTTP

$t->start;

sub status {
    my ($host, $path) = @_;
    return $t->get($path, host => $host)->{status};
}

is(status("s$_.test", '/gone'), 410, "server $_: the shared rule answers")
    for 1, 15, 30;
is(status('s7.test', '/old/x'), 410, 'a prefix of the shared file');
is(status('s7.test', '/x/shell3.php'), 0, 'a regex of the shared file (444)');
is(status('s7.test', '/extra-only'), 404, 'not the extra rule of another level');
is(status('extra.test', '/extra-only'), 410, 'a level adding a rule has it');
is(status('extra.test', '/gone'), 410, 'and the shared ones, in its own copy');
is(status('folded.test', '/GONE'), 410, 'a level with ignore_case on folds');
is(status('s1.test', '/GONE'), 404, 'and the shared copy does not');

$t->get('/gone', host => 's3.test') for 1 .. 3;
$t->get('/gone', host => 's4.test');
my $doc = JSON::PP::decode_json($t->get('/report', host => 's3.test')->{body});
my @gone = grep { $_->{pattern} eq '= /gone' } @{ $doc->{rules} };
# hit before: s1, s15, s30, extra.test and folded.test once each
is_deeply([ sort { $b <=> $a } map { $_->{hits} } @gone ],
          [ 3, 1, 1, 1, 1, 1, 1 ],
          'each level counts its own hits of a shared rule');

# at info: the error log's level once nginx runs (a reload)
$t->reload_and_drain;
# (PCRE2, saying why, where the Vectorscan library fails the module's
# check for matches it misses)
my $engine = $t->error_log =~ /Vectorscan \S+ misses matches/
    ? qr/PCRE2, in order \(Vectorscan \d[\d.]* misses matches the module checks for, and is not used\)/
    : qr/8 scanned in one pass with Vectorscan, 0 on PCRE2/;
like($t->error_log, qr/\[info\] .*status_policy: 8 regex rules of "server": $engine/,
     'nginx says which engine the regexes run on')
    or diag join "\n", $t->error_log =~ /(status_policy: \d+ regex.*)/g;

$t->stop;

# Levels that share one file, and nothing else: each copy of a rule is
# told from the others by its level's place among them, so each level
# keeps its own counts across a reload that changes the rules and
# across a restart.
my $copies = servers('c', 5);

my $u = TestNginx->new(
    files => { 'shared.rules' => "410 = /gone\n410 /old/\n" },
    http => "status_policy_hits_state %%PREFIX%%/hits interval=1m;\n$copies");
$u->start;

sub gone_counts {
    my $doc = JSON::PP::decode_json($u->get('/report', host => 'c1.test')->{body});
    return [ sort { $b <=> $a } map { $_->{hits} }
             grep { $_->{pattern} eq '= /gone' } @{ $doc->{rules} } ];
}

for my $n (1 .. 4) {
    $u->get('/gone', host => "c$n.test") for 1 .. $n;
}
is_deeply(gone_counts(), [ 4, 3, 2, 1 ], "four levels hit, each its own count");

($u->{http} = "status_policy_hits_state %%PREFIX%%/hits interval=1m;\n$copies")
    =~ s{(server_name c5.test;)}{$1 location /x/ { status_policy 410 = /x/new; }};
$u->write_files;
$u->reload_and_drain;
is($u->get('/x/new', host => 'c5.test')->{status}, 410, 'the rules changed');
$u->get('/gone', host => 'c3.test');
is_deeply(gone_counts(), [ 4, 4, 2, 1 ],
          'a changed reload carries each level its own count');

$u->stop;
$u->start;
$u->get('/gone', host => 'c1.test');
is_deeply(gone_counts(), [ 4, 4, 2, 2 ],
          'and so does a restart, through the state file');

# A server of the same name ("server") with its own copy of the rule:
# the rule now repeats across rule sets, and its copies are numbered
# rule by rule, to the same identities for the five.
my $own = <<'SERVER';
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name c6.test;
        status_policy 410 = /gone;
        status_policy 410 = /c6-only;
    }
SERVER
$u->{http} .= $own;
$u->write_files;
$u->reload_and_drain;
$u->get('/gone', host => 'c6.test') for 1 .. 5;
is($u->get('/c6-only', host => 'c6.test')->{status}, 410, 'the sixth is in');
is_deeply(gone_counts(), [ 5, 4, 4, 2, 2 ],
          'a repeated rule: each level keeps its count, the new one its own');

$u->{http} =~ s{ location /x/ \{ status_policy 410 = /x/new; \}}{};
$u->write_files;
$u->reload_and_drain;
is($u->get('/x/new', host => 'c5.test')->{status}, 404, 'the rules changed');
$u->get('/gone', host => 'c2.test');
is_deeply(gone_counts(), [ 5, 4, 4, 3, 2 ],
          'and across the next reload too');
$u->stop;

done_testing;

# Live rules in a large zone, where a POST, PATCH or DELETE is written as
# a layer over the zone's base, and the zone is written whole in the
# background as the layer grows: every worker sees each change at once,
# requests during writes meet the old rules or the new ones, the zone
# holds what a zone given the same rules whole holds (count, digest,
# pages), replaced layers are freed, writes racing from both workers all
# land, a layered zone is kept across a reload and a restart, a reload
# that resizes a zone copies its rules as they are (or is refused if they
# do not fit), and a worker told to exit waits for the zone it is writing
# whole.

use strict;
use warnings;
use Test::More;
use IO::Socket::IP;
use POSIX ();
use Time::HiRes qw(sleep);
use lib 't/lib';
use TestNginx;

my $http = <<'HTTP';
    log_format pids '$pid $status $uri';
    status_policy_zone zone=big:8m state=%%PREFIX%%/big.state;
    status_policy_zone zone=twin:8m;
    status_policy_zone zone=huge:256m;

    server {
        listen 127.0.0.1:%%PORT%% reuseport;
        server_name localhost;

        location / {
            status_policy_use big;
            access_log %%PREFIX%%/pids.log pids;
            return 200 "backend\n";
        }

        location /twin/ {
            status_policy_use twin;
            return 200 "backend\n";
        }

        location /h/ {
            status_policy_use huge;
            return 200 "backend\n";
        }

        location /api/ {
            client_max_body_size 10m;
            status_policy_api write=on;
        }
    }
HTTP

my $t = TestNginx->new(http => $http, workers => 2);
$t->start;

# One request over HTTP/1.1 with an optional body (TestNginx::api).
sub api { $t->api(@_) }

sub status { $t->get($_[0])->{status} }

sub encoded {
    my ($key) = @_;
    $key =~ s/([^A-Za-z0-9_.~-])/sprintf '%%%02X', ord $1/ge;
    return $key;
}

# What the zone should hold, key => line, and the whole zone's pages.
my %model;
sub model_rules { join '', map { "$model{$_}\n" } sort keys %model }

sub all_pages {
    my ($zone) = @_;
    my (@rules, $after);
    for (1 .. 100) {
        my $r = api('GET', "/api/$zone?limit=10000"
                           . (defined $after ? '&after=' . encoded($after) : ''));
        die "GET answered $r->{status}\n" unless $r->{status} == 200;
        push @rules, map { "$_->{code} $_->{pattern}"
                           . (defined $_->{target} ? " $_->{target}" : '') }
                     @{ $r->{json}{rules} };
        $after = $r->{json}{next} // last;
    }
    return \@rules;
}

# 6,000 rules: a base large enough for layers
for my $i (1 .. 5900) {
    $model{"= /r/$i"} = "410 = /r/$i";
}
for my $i (1 .. 100) {
    $model{"/p/$i/"} = "301 /p/$i/ /q/$i/";
}
my $r = api('PUT', '/api/big', model_rules());
is($r->{status}, 200, 'PUT of 6,000 rules');
is($r->{json}{count}, 6000, 'held');
is(status('/r/77'), 410, 'a rule of the base answers');

# one POST: both workers meet it on the next requests
is(api('POST', '/api/big', "451 = /posted\n")->{status}, 201, 'POST into it');
$model{'= /posted'} = '451 = /posted';
my %codes;
$codes{ status('/posted') }++ for 1 .. 40;
is_deeply(\%codes, { 451 => 40 }, 'the next 40 requests all meet it');
my %pids = map { (split ' ')[0] => 1 } grep { m{ 451 /posted$} }
           split /\n/, $t->slurp('pids.log');
is(scalar keys %pids, 2, 'answered by both workers');
is(status('/r/77'), 410, 'the base still answers');
is(api('GET', '/api/big?path=/posted')->{json}{rule}{hits}, 40,
   'the layer counts its rule\'s hits');

# a DELETE of a base rule, a PATCH of a base prefix, a shorter prefix
is(api('DELETE', '/api/big?pattern=' . encoded('= /r/77'))->{status}, 204,
   'DELETE of a base rule');
delete $model{'= /r/77'};
is(status('/r/77'), 200, 'it answers no more');
is(api('DELETE', '/api/big?pattern=' . encoded('= /r/77'))->{status}, 404,
   'and a second DELETE finds nothing');
is(api('PATCH', '/api/big', "308 /p/5/ /v2/\n410 /p/\n")->{status}, 200,
   'PATCH of a base prefix, and a shorter prefix');
$model{'/p/5/'} = '308 /p/5/ /v2/';
$model{'/p/'} = '410 /p/';
$r = $t->get('/p/5/x');
is($r->{status}, 308, 'the replaced prefix answers');
like($r->{headers}{location}, qr{/v2/x$}, 'with its target');
is(api('DELETE', '/api/big?pattern=' . encoded('/p/5/'))->{status}, 204,
   'DELETE of the replaced prefix');
delete $model{'/p/5/'};
is(status('/p/5/x'), 410, 'the shorter prefix answers under it');
is(status('/p/6/x'), 301, 'its neighbour as it was');

# requests during writes: every one meets a rule, of the old or the new
my $pid = fork;
die "fork: $!" unless defined $pid;
if ($pid == 0) {
    my ($asked, $wrong) = (0, 0);
    my $until = time + 4;
    while (time < $until) {
        my $i = 1 + $asked++ % 5900;
        next if $i == 77;
        $wrong++ unless status("/r/$i") == 410;
    }
    open my $fh, '>', $t->prefix . '/during' or die $!;
    print $fh "$asked $wrong\n";
    close $fh;
    POSIX::_exit(0);
}

# 2,400 writes, so that the zone is written whole more than once
my %answers;
for my $i (1 .. 2400) {
    my $key = "= /w/$i";
    if ($i % 3 == 0) {
        my $gone = '= /w/' . ($i - 1);
        $answers{ 'DELETE ' . api('DELETE', '/api/big?pattern=' . encoded($gone))->{status} }++;
        delete $model{$gone};
    } elsif ($i % 3 == 1) {
        $answers{ 'POST ' . api('POST', '/api/big', "410 $key\n")->{status} }++;
        $model{$key} = "410 $key";
    } else {
        $answers{ 'PATCH ' . api('PATCH', '/api/big', "451 $key\n")->{status} }++;
        $model{$key} = "451 $key";
    }
}
is_deeply(\%answers, { "POST 201" => 800, "PATCH 200" => 800,
                       "DELETE 204" => 800 },
          "2,400 writes: all answered, none 507 (replaced layers are freed)");
waitpid $pid, 0;
my ($asked, $wrong) = split ' ', $t->slurp('during');
cmp_ok($asked, '>', 100, "requests ran during the writes ($asked)");
is($wrong, 0, 'every one met its rule');

like($t->error_log, qr/status_policy_zone "big": POST by the API, 6\d\d\d rules/,
     'the log names the count the zone holds');
my $wholes = () = $t->error_log =~ /status_policy_zone "big": written whole/g;
cmp_ok($wholes, '>=', 2,
       "the zone was written whole in the background ($wholes times)");
my $begun = () = $t->error_log =~ /status_policy_zone "big": writing the zone whole, \d+ rules/g;
is($begun, $wholes, 'one worker at a time, each write of it published');
unlike($t->error_log, qr/\[(alert|crit|emerg)\]/, 'nothing alarming logged');

# the same rules given whole: the same count, digest and pages
$r = api('PUT', '/api/twin', model_rules());
is($r->{status}, 200, 'the model PUT into a twin zone');
my $big = api('GET', '/api/big?limit=1')->{json};
is($big->{count}, $r->{json}{count}, 'the same count');
is($big->{digest}, $r->{json}{digest}, 'the same digest');
is_deeply(all_pages('big'), all_pages('twin'), 'the same pages');
is(status('/w/1'), 410, 'a POSTed rule answers');
is(status('/w/2'), 200, 'a deleted one does not');
is(status('/w/4'), 410, 'another POSTed one answers');
is(status('/w/5'), 200, 'and its PATCHed neighbour was deleted');

# writes racing from both workers all land
my @kids;
for my $k (1 .. 2) {
    my $kid = fork;
    die "fork: $!" unless defined $kid;
    if ($kid == 0) {
        # a worker builds one write at a time and answers another 503
        my $bad = 0;
        for my $i (1 .. 150) {
            my $status;
            for (1 .. 50) {
                $status = api('POST', '/api/big', "410 = /race/$k/$i\n")->{status};
                last unless $status == 503;
                sleep 0.01;
            }
            $bad++ unless $status == 201;
        }
        POSIX::_exit($bad ? 1 : 0);
    }
    push @kids, $kid;
}
my $failed = 0;
for (@kids) {
    waitpid $_, 0;
    $failed++ if $?;
}
for my $k (1 .. 2) {
    $model{"= /race/$k/$_"} = "410 = /race/$k/$_" for 1 .. 150;
}
is($failed, 0, 'two clients, 150 POSTs each: every one 201 (after 503s)')
    or diag join "\n", grep { /race|503/ } split /\n/, $t->error_log;
$big = api('GET', '/api/big?limit=1')->{json};
is($big->{count}, scalar keys %model, 'the zone holds all of them');
is(api('PUT', '/api/twin', model_rules())->{json}{digest}, $big->{digest},
   'the digest of the model');

# kept across a reload and a restart (through the state file)
my $digest = $big->{digest};
$t->reload_and_drain;
is(api('GET', '/api/big?limit=1')->{json}{digest}, $digest,
   'a reload keeps the layered zone');
is(status('/race/2/150'), 410, 'and it answers');
$t->stop;
like($t->slurp('big.state'), qr/^# status_policy_zone state: rules=\Q@{[ scalar keys %model ]}\E digest=\Q$digest\E /,
     'the state file holds the zone as a whole');
$t->start;
is(api('GET', '/api/big?limit=1')->{json}{digest}, $digest,
   'a restart reads it back: the same digest');
is(status('/r/77'), 200, 'a deleted base rule stays deleted');
is(status('/w/4'), 410, 'a posted rule stays');

# a reload that gives the zones another SIZE: a new zone, with the rules
# of the old one as they are, the write just before it too (the state
# file is written only a second later), and with no state file at all
is(api('POST', '/api/big', "451 = /just-before\n")->{status}, 201,
   'a POST just before the reload');
$model{'= /just-before'} = '451 = /just-before';
is(api('PUT', '/api/twin', model_rules())->{status}, 200, 'the twin too');
my $twin_digest = api('GET', '/api/twin?limit=1')->{json}{digest};
$digest = api('GET', '/api/big?limit=1')->{json}{digest};
my $sized = $t->{http};
$t->{http} =~ s/zone=big:8m/zone=big:12m/;
$t->{http} =~ s/zone=twin:8m/zone=twin:16m/;
$t->write_files;
$t->reload_and_drain;
is(status('/just-before'), 451, 'a resized zone has the last write');
is(api('GET', '/api/big?limit=1')->{json}{digest}, $digest,
   'and every rule (the same digest)');
is(api('GET', '/api/twin?limit=1')->{json}{digest}, $twin_digest,
   'a resized zone without state= keeps its rules');
like($t->error_log, qr/status_policy_zone "twin": \d+ rules from the zone before the reload/,
     'saying where they came from');

# a size the rules do not fit: the reload is refused, nothing is lost
$t->{http} =~ s/zone=big:12m/zone=big:256k/;
$t->write_files;
ok($t->reload_refused(qr/status_policy_zone "big": its \d+ rules need \d+ bytes, more than its new size holds/),
   'a reload to a size the rules do not fit is refused, saying why');
is(status('/just-before'), 451, 'and the zone answers as before');
is(api('GET', '/api/big?limit=1')->{json}{digest}, $digest, 'with every rule');
$t->{http} = $sized;
$t->write_files;

# a reload while a worker writes a zone whole: the worker exits only once
# it is published.  400,000 rules, and one PATCH of 25,000 (its share).
my $body = join '', map { "410 = /h/$_\n" } 1 .. 400_000;
is(api('PUT', '/api/huge', $body)->{status}, 200, 'PUT of 400,000 rules');
$body = join '', map { "451 = /h/new/$_\n" } 1 .. 25_000;
my $log_before = length $t->error_log;
is(api('PATCH', '/api/huge', $body)->{status}, 200, 'a PATCH of 25,000');
$t->reload;
ok($t->wait_for_log(qr/status_policy_zone "huge": written whole/,
                    'error.log', 20),
   'the zone is written whole');
my $since = substr $t->error_log, $log_before;
my ($writer) = $since =~ /(\d+)#\d+: \*\d+ status_policy_zone "huge": writing the zone whole/;
like($since, qr/\b$writer#$writer: gracefully shutting down\n[\s\S]*\b$writer#$writer: status_policy_zone "huge": written whole\n[\s\S]*\b$writer#$writer: exiting/,
     'by the worker that began it, which waited for it to exit');
$t->reload_and_drain;
my $huge = api('GET', '/api/huge?limit=1')->{json};
is($huge->{count}, 425_000, 'the zone holds every rule');
is(status('/h/new/24999'), 451, 'a patched rule answers');
is(status('/h/399999'), 410, 'a rule of the base too');
is(api('PATCH', '/api/huge', "451 = /h/1\n")->{status}, 200,
   'and writes go on');

# writes on both workers while one writes the zone whole: the other does
# not begin a second
$log_before = length $t->error_log;
$body = join '', map { "451 = /h/more/$_\n" } 1 .. 25_000;
is(api('PATCH', '/api/huge', $body)->{status}, 200, 'another PATCH of 25,000');
my %posted;
$posted{ api('POST', '/api/huge', "410 = /h/during/$_\n")->{status} }++ for 1 .. 40;
is_deeply(\%posted, { 201 => 40 }, '40 POSTs meanwhile');
ok($t->wait_for_log(qr/status_policy_zone "huge": written whole/,
                    'error.log', 20),
   'the zone is written whole');
$since = substr $t->error_log, $log_before;
my %writers = map { $_ => 1 } $since =~ /(\d+)#\d+: \*\d+ status_policy_zone "huge": PATCH by/g,
                                $since =~ /(\d+)#\d+: \*\d+ status_policy_zone "huge": POST by/g;
is(scalar keys %writers, 2, 'the writes went to both workers');
my $begun_huge = () = $since =~ /"huge": writing the zone whole/g;
is($begun_huge, 1, 'one of them wrote the zone whole');
is(status('/h/during/40'), 410, 'every write is there');
is(api('GET', '/api/huge?limit=1')->{json}{count}, 425_000 + 25_000 + 40,
   'all of them');
unlike(substr($t->error_log, $log_before), qr/\[(alert|crit|emerg)\]/,
       'nothing alarming logged');
$t->stop;

done_testing;

# Under load: ten reloads during a wrk run give no failed and no wrong
# response and keep the spike counts; a worker killed with SIGKILL in a
# 404 flood is replaced, and the zone's lock is not left held.

use strict;
use warnings;
use Test::More;
use JSON::PP;
use Time::HiRes qw(sleep time);
use lib 't/lib';
use TestNginx;

plan skip_all => 'wrk is not installed' unless `which wrk` =~ /\S/;

my $t = TestNginx->new(
    workers => 2,
    files => {
        'retired.rules' => join('', map { "410 = /old/$_\n" } 0 .. 999),
        'load.lua' => <<'LUA',
-- alternates a retired path (410) and a missing one (404), each on a new
-- connection, and counts the answers; counters live in each thread's
-- state, done() collects them
local threads = {}
function setup(thread)
    table.insert(threads, thread)
end
function init(args)
    n, wrong, gone, missing = 0, 0, 0, 0
end
function request()
    n = n + 1
    local path = (n % 2 == 0) and ("/old/" .. (n % 1000))
                              or ("/missing/" .. (n % 5000))
    return wrk.format("GET", path, { ["Connection"] = "close" })
end
function response(status, headers, body)
    if status == 410 then gone = gone + 1
    elseif status == 404 then missing = missing + 1
    else wrong = wrong + 1 end
end
function done(summary, latency, requests)
    local w, g, m = 0, 0, 0
    for _, t in ipairs(threads) do
        w = w + t:get("wrong")
        g = g + t:get("gone")
        m = m + t:get("missing")
    end
    io.write(string.format("RESULT wrong=%d gone=%d missing=%d\n", w, g, m))
end
LUA
    },
    http => <<'HTTP');
    status_spike_zone zone=spikes:1m window=60s threshold=1000000;

    server {
        listen 127.0.0.1:%%PORT%%;
        server_name localhost;
        root %%PREFIX%%/html;
        status_spike spikes;
        status_policy_file retired.rules;

        location = /report {
            status_spike off;
            status_policy_report json;
        }
    }
HTTP

$t->start;

# Under valgrind every nginx process, and the new workers of each reload,
# run 20-50 times slower: wrk waits longer there before it calls a
# request failed (its own default is 2s).  Any failure still fails.
my $timeout = 2 * $TestNginx::SLOW;

sub wrk_in_background {
    my ($seconds) = @_;
    my $out = $t->prefix . '/wrk.out';
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        exec 'sh', '-c', "wrk -t1 -c8 -d${seconds}s --timeout ${timeout}s -s '" . $t->prefix
             . "/load.lua' http://127.0.0.1:" . $t->port . " > '$out' 2>&1";
    }
    return ($pid, $out);
}

sub zone {
    my $r = $t->get('/report');
    my $doc = eval { decode_json($r->{body}) } // {};
    my ($z) = grep { $_->{name} eq 'spikes' } @{ $doc->{zones} // [] };
    return ($r, $z // {});
}

{
    my ($pid, $out) = wrk_in_background(8);
    sleep 1;
    for (1 .. 10) {
        $t->reload;
        sleep 0.4;
    }
    waitpid($pid, 0);
    my $result = $t->slurp('wrk.out');
    my ($wrong, $gone, $missing) =
        $result =~ /RESULT wrong=(\d+) gone=(\d+) missing=(\d+)/;
    ok(defined $wrong, 'wrk ran') or diag $result;
    is($wrong, 0, 'ten reloads under load: no wrong answer');
    unlike($result, qr/Socket errors/, 'no failed request') or diag $result;
    cmp_ok($gone + $missing, '>', 1000, "requests answered: $gone 410s, "
                                        . "$missing 404s");

    my (undef, $zone) = zone();
    cmp_ok($zone->{counted} // 0, '>=', $missing,
           'every 404 counted, across the reloads');
}

{
    my ($pid, $out) = wrk_in_background(5);
    sleep 1.5;
    my @workers = split ' ', `pgrep -P $t->{pid}`;
    ok(@workers >= 2, 'workers running: ' . scalar @workers);
    kill 'KILL', $workers[0];
    ok($t->wait_for_log(qr{worker process $workers[0] exited on signal 9}),
       'a worker killed during the flood');
    ok($t->wait_for_log(qr{start worker process (?!$workers[0])\d+}),
       'the master starts another');
    waitpid($pid, 0);

    my $start = time;
    my ($r, $zone) = zone();
    is($r->{status}, 200, 'the report answers after the kill');
    cmp_ok(time - $start, '<', 2, 'at once: the zone lock is not held');
    cmp_ok($zone->{paths} // 0, '<=', $zone->{capacity} // 0,
           'the zone is within its capacity');
    # requests of the flood still queued in a worker when wrk quit are
    # counted as they finish: wait until the count is still
    my $before = $zone->{counted};
    for (1 .. 20) {
        sleep 0.25;
        my (undef, $now) = zone();
        last if $now->{counted} == $before;
        $before = $now->{counted};
    }
    $t->get("/missing/after-kill-$_") for 1 .. 20;
    (undef, $zone) = zone();
    is($zone->{counted} - $before, 20, 'and it still counts');
}

unlike($t->error_log, qr{\[(crit|emerg)\]|signal 11|signal 6},
       'no crash, no critical error');

$t->stop;

done_testing;

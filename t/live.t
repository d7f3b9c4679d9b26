# Live rules: status_policy_zone, status_policy_use and status_policy_api.
# Every verb and every error over HTTP/1.1 and HTTP/2, the precedence of
# zone rules among a level's file rules, a change seen by every worker at
# once, and the rules kept across a reload and a restart.

use strict;
use warnings;
use Test::More;
use JSON::PP ();
use lib 't/lib';
use TestNginx;

my $http = <<'HTTP';
    log_format pids '$pid $status $uri';
    status_policy_zone zone=shop:1m state=%%PREFIX%%/shop.state;
    status_policy_zone zone=other:64k;

    server {
        # reuseport: the kernel spreads connections over both workers
        listen 127.0.0.1:%%PORT%% reuseport;
        listen 127.0.0.1:%%PORT2%% http2;
        server_name localhost;

        status_policy_use shop;
        status_policy 404 /file-prefix/;
        status_policy 403 = /both;
        status_policy 410 ~ \.php$;

        location / {
            return 200 "backend\n";
        }

        location /api/ {
            client_max_body_size 100k;
            status_policy_api write=on;
        }

        location /ro/ {
            status_policy_api;
        }

        location /dry/ {
            status_policy_dry_run on;
            return 200 "dry\n";
        }

        location = /metrics {
            status_policy_report prometheus;
        }

        location = /report {
            status_policy_report json;
        }

        location /seen/ {
            access_log %%PREFIX%%/pids.log pids;
            return 200 "backend\n";
        }

        location /var/ {
            return 200 "rule=$status_policy_rule action=$status_policy_action\n";
        }
    }
HTTP

my $t = TestNginx->new(http => $http, workers => 2);
$t->start;

# One request over HTTP/1.1 with an optional body (TestNginx::api).
sub api { $t->api(@_) }

sub h2api {
    my ($method, $path, $body) = @_;
    my $r = $t->h2($path, method => $method, body => $body,
                   headers => ['Content-Type: text/plain']);
    $r->{json} = eval { JSON::PP::decode_json($r->{body}) };
    return $r;
}

sub status { $t->get($_[0])->{status} }

# an empty zone
my $r = api('GET', '/api/shop');
is($r->{status}, 200, 'GET of an empty zone');
is($r->{json}{count}, 0, 'no rules');
is_deeply($r->{json}{rules}, [], 'an empty page');
is($r->{headers}{'cache-control'}, 'no-store', 'never cached');
is(status('/p/1'), 200, 'nothing retired yet');

# POST
$r = api('POST', '/api/shop', "410 = /p/1\n301 /moved/ /new/\n");
is($r->{status}, 201, 'POST adds: 201');
is($r->{json}{added}, 2, 'two added');
is($r->{json}{count}, 2, 'the zone holds two');
like($r->{json}{digest}, qr/^[0-9a-f]{16}$/, 'a digest');
is($r->{json}{changes}, 1, 'one change');
is(status('/p/1'), 410, 'the rule answers at once');
$r = $t->get('/moved/a/b?x=1');
is($r->{status}, 301, 'a redirect from the zone');
like($r->{headers}{location}, qr{^http://localhost(:\d+)?/new/a/b\?x=1$},
   'its Location, with the rest of the path and the query')
    or diag explain $r->{headers};

$r = api('POST', '/api/shop', "451 = /p/2\n410 = /p/1\n");
is($r->{status}, 409, 'POST of an existing pattern: 409');
is($r->{json}{line}, 2, 'naming its line');
is(status('/p/2'), 200, 'all or nothing: the other line is not added');

# every worker sees a write at once: the first requests after it, spread
# over both workers, all meet the new rule
is(api('POST', '/api/shop', "410 /seen/\n")->{status}, 201, 'one more rule');
my %seen;
for (1 .. 40) {
    $seen{ status("/seen/$_") }++;
}
is_deeply(\%seen, { 410 => 40 }, 'the next 40 requests all meet it');
my %pids = map { (split ' ')[0] => 1 } grep { / 410 / } split /\n/, $t->slurp('pids.log');
is(scalar keys %pids, 2, 'answered by both workers');

# errors of a body name the line
$r = api('POST', '/api/shop', "410 = /a\n\n999 /b\n");
is($r->{status}, 400, 'a bad line: 400');
is($r->{json}{status}, 400, 'the status in the body');
is($r->{json}{line}, 3, 'the line');
like($r->{json}{error}, qr/unsupported status code/, 'the reason');
$r = api('POST', '/api/shop', "410 ~ \\.asp\$\n");
is($r->{status}, 400, 'a regex in a zone: 400');
like($r->{json}{error}, qr/exact and prefix/, 'and why');
$r = api('POST', '/api/shop', "410 = /x\n410 = /x\n");
is($r->{json}{line}, 2, 'a pattern twice in a body: its second line');

# 403 without write=on; 413; 405; an unknown zone
$r = api('POST', '/ro/shop', "410 = /ro\n");
is($r->{status}, 403, 'a write without write=on: 403');
like($r->{json}{error}, qr/write=on/, 'saying what is missing');
is(api('DELETE', '/ro/shop?pattern=%3D%20%2Fp%2F1')->{status}, 403,
   'DELETE too');
is(api('PUT', '/ro/shop', "")->{status}, 403, 'PUT too');
is(api('GET', '/ro/shop')->{status}, 200, 'reads are allowed');
$r = api('POST', '/api/shop', "410 = /big\n" . ('#' x 110_000) . "\n");
is($r->{status}, 413, 'above client_max_body_size: 413');
is($r->{json}{status}, 413, 'as JSON');
$r = api('OPTIONS', '/api/shop');
is($r->{status}, 405, 'another method: 405');
$r = api('GET', '/api/nosuch');
is($r->{status}, 404, 'an unknown zone: 404');
like($r->{json}{error}, qr/no status_policy_zone "nosuch"/, 'named');

# GET ?path=
$r = api('GET', '/api/shop?path=/moved/x');
is($r->{status}, 200, 'GET ?path= finds the rule');
is($r->{json}{rule}{pattern}, '/moved/', 'its pattern');
is($r->{json}{rule}{code}, 301, 'its code');
is($r->{json}{rule}{target}, '/new/', 'its target');
is($r->{json}{rule}{hits}, 1, 'its hits');
like($r->{json}{rule}{last_hit}, qr/^\d{4}-\d\d-\d\dT/, 'its last hit');
is(api('GET', '/api/shop?path=/nothing')->{status}, 404,
   'a path no rule hits: 404');

# PATCH adds or replaces
$r = api('PATCH', '/api/shop', "451 = /p/1\n410 = /p/3\n");
is($r->{status}, 200, 'PATCH: 200');
is($r->{json}{count}, 4, 'one replaced, one added (with /seen/)');
is(status('/p/1'), 451, 'the replaced rule answers');
is(status('/p/3'), 410, 'the added one too');

# DELETE
$r = api('DELETE', '/api/shop?pattern=%3D%20%2Fp%2F3');
is($r->{status}, 204, 'DELETE: 204');
is($r->{body}, '', 'no body');
is(status('/p/3'), 200, 'the rule is gone');
is(api('DELETE', '/api/shop?pattern=%3D%20%2Fp%2F3')->{status}, 404,
   'DELETE of no rule: 404');
is(api('DELETE', '/api/shop?pattern=nope')->{status}, 400,
   'DELETE of no pattern: 400');
is(api('DELETE', '/api/shop')->{status}, 400, 'DELETE without ?pattern=: 400');

# paging
api('PUT', '/api/other', join '', map { sprintf "410 = /o/%03d\n", $_ } 1 .. 25);
$r = api('GET', '/api/other?limit=10');
is(scalar @{ $r->{json}{rules} }, 10, 'a page of 10');
is($r->{json}{next}, '= /o/010', 'and the key after which the next begins');
$r = api('GET', '/api/other?limit=10&after=' . '%3D%20%2Fo%2F010');
is($r->{json}{rules}[0]{pattern}, '= /o/011', 'the next page');
$r = api('GET', '/api/other?limit=10&after=%3D%20%2Fo%2F020');
is(scalar @{ $r->{json}{rules} }, 5, 'the last page');
is($r->{json}{next}, undef, 'and no next');
is(api('GET', '/api/other?limit=0')->{status}, 400, 'limit=0: 400');

# PUT replaces the whole zone
$r = api('PUT', '/api/shop', "410 = /only\n");
is($r->{status}, 200, 'PUT: 200');
is($r->{json}{count}, 1, 'with the count');
is(status('/only'), 410, 'the new rules');
is(status('/p/1'), 200, 'and none of the old');

# precedence among the level's file rules
api('PUT', '/api/shop', "418 = /both\n402 /file-prefix/deeper/\n"
                        . "401 ^~ /stop/\n");
is(status('/both'), 418, 'a zone rule wins over a file rule of its pattern');
is(status('/file-prefix/x'), 404, 'the file prefix');
is(status('/file-prefix/deeper/x'), 402, 'the longer zone prefix');
is(status('/file-prefix/deeper/x.php'), 410,
   'a file regex beats a plain zone prefix');
is(status('/stop/x.php'), 401, 'a zone ^~ stops the file regexes');

# dry run and the variables
api('PATCH', '/api/shop', "410 /dry/\n410 /var/\n");
is($t->get('/dry/x')->{status}, 200, 'dry run: the request goes on');
ok($t->wait_for_log(qr/dry run: would return 410 for "\/dry\/x" by rule zone:shop/),
   'and the line names the zone');

# HTTP/2
$r = h2api('POST', '/api/shop', "410 = /h2\n");
is($r->{status}, 201, 'POST over HTTP/2');
is($t->h2('/h2')->{status}, 410, 'the rule over HTTP/2');
$r = h2api('GET', '/api/shop?path=/h2');
is($r->{json}{rule}{pattern}, '= /h2', 'GET over HTTP/2');
is(h2api('PATCH', '/api/shop', "451 = /h2\n")->{status}, 200, 'PATCH over HTTP/2');
is($t->h2('/h2')->{status}, 451, 'seen');
is(h2api('DELETE', '/api/shop?pattern=%3D%20%2Fh2')->{status}, 204,
   'DELETE over HTTP/2');
is(h2api('POST', '/api/shop', "999 /x\n")->{json}{line}, 1,
   'errors over HTTP/2');
# nginx answers 413 and resets the stream while curl may still be sending:
# curl then sometimes reports the reset (exit 92) and not the answer, so
# the answer is also read in the access log
$r = h2api('POST', '/api/shop', "410 = /h2-big\n" . ('#' x 110_000));
if ($r->{status}) {
    is($r->{status}, 413, '413 over HTTP/2');
    # the reset may also cut the body short: the type came with the status
    is($r->{headers}{'content-type'}, 'application/json', 'as JSON');
} else {
    is($r->{exit}, 92, 'curl saw the stream reset after the answer');
    ok($t->wait_for_log(qr{^413 "POST /api/shop HTTP/2.0"}m, 'access.log'),
       '413 over HTTP/2');
}
# (without a body: curl may report the reset of an answered upload, above)
is(h2api('DELETE', '/ro/shop?pattern=%2Fvar%2F')->{status}, 403,
   '403 over HTTP/2');
is(h2api('PUT', '/api/shop', "410 = /h2c\n410 /var/\n")->{json}{count}, 2,
   'PUT over HTTP/2');

# the digest and the change counter, for a fleet: the same rules give the
# same digest whatever order they were sent in
my $now = api('GET', '/api/shop')->{json};
my $doc = JSON::PP::decode_json($t->get('/report')->{body});
my ($shop) = grep { $_->{name} eq 'shop' } @{ $doc->{live_zones} };
is($shop->{digest}, $now->{digest}, 'the report gives the API\'s digest');
is($shop->{rules}, 2, 'and the count');
is($shop->{changes}, $now->{changes}, 'and the change counter');
my $metrics = $t->get('/metrics')->{body};
like($metrics, qr/^status_policy_live_rules\{zone="shop"\} 2$/m,
     'Prometheus: the rules of a zone');
like($metrics, qr/^status_policy_live_changes_total\{zone="shop"\} $now->{changes}$/m,
     'its changes');
my $d52 = do { no warnings 'portable'; hex(substr($now->{digest}, 0, 13)) };
like($metrics, qr/^status_policy_live_digest\{zone="shop"\} $d52$/m,
     'its digest, as a number a float holds exactly');
api('PUT', '/api/other', "410 /var/\n410 = /h2c\n");
isnt(api('GET', '/api/other')->{json}{digest}, undef, 'another zone');
is(api('GET', '/api/other')->{json}{digest}, $now->{digest},
   'the same rules in another order: the same digest');

# replaced generations are freed: a zone of 64k takes any number of writes
# of a body that fills a good part of it
my $body = join '', map { sprintf "410 = /gen/%04d/some/longer/path\n", $_ } 1 .. 100;
my %codes;
$codes{ api('PUT', '/api/other', $body)->{status} }++ for 1 .. 60;
is_deeply(\%codes, { 200 => 60 }, '60 PUTs into a small zone: no 507');
$r = api('PUT', '/api/other', $body . join '', map { "410 = /more/$_/and/more/and/more\n" } 1 .. 2000);
is($r->{status}, 507, 'a body larger than the zone: 507');
like($r->{json}{error}, qr/zone "other" is full: the rules need \d+ bytes/,
     'saying how much it needs');
is(api('GET', '/api/other?path=/gen/0001/some/longer/path')->{status}, 200,
   'and the zone keeps its rules');

# a worker killed: its slot is taken over, the zone answers on
my ($victim) = $t->error_log =~ /start worker process (\d+)\n(?![\s\S]*start worker process)/;
my $before = () = $t->error_log =~ /start worker process/g;
kill 'KILL', $victim;
ok($t->wait_for_log(qr/worker process $victim exited on signal 9/),
   'a worker killed');
for (1 .. 50) {
    last if (() = $t->error_log =~ /start worker process/g) > $before;
    sleep 0.1;
}
$codes{$_} = 0 for keys %codes;
$codes{ status('/h2c') }++ for 1 .. 20;
is($codes{410}, 20, 'every worker, the new one too, answers with the zone');
$codes{ api('PUT', '/api/other', $body)->{status} }++ for 1 .. 20;
is($codes{200}, 20, 'and writes go on');

# a reload nginx refuses leaves the zone as it is
my $saved_http = $t->{http};
$t->{http} =~ s/status_policy_use shop;/status_policy_use nosuch;/;
$t->write_files;
ok($t->reload_refused(qr/status_policy_use: unknown zone "nosuch"/),
   'a reload naming an unknown zone is refused');
is(status('/h2c'), 410, 'the zone still answers');
$t->{http} = $saved_http;
$t->write_files;

# the checker: a body linted as the API takes it, with the digest the zone
# reports once it holds it; and explain on the zone's state file
my $check = $ENV{STATUS_POLICY_CHECK} || "$TestNginx::ROOT/build/status-policy-check";
$t->write_file('body.rules', "410 = /h2c\n410 /var/\n");
my $lint = `'$check' lint --zone '@{[ $t->prefix ]}/body.rules' 2>&1`;
my $digest_now = api('GET', '/api/shop')->{json}{digest};
like($lint, qr/body\.rules: 2 rules, digest \Q$digest_now\E$/,
     'lint --zone gives the digest the zone reports');
$t->write_file('bad.rules', "410 = /a\n410 ~ \\.php\$\n");
$lint = `'$check' lint --zone '@{[ $t->prefix ]}/bad.rules' 2>&1`;
is($? >> 8, 1, 'lint --zone fails on a regex');
like($lint, qr/bad\.rules:2: a zone holds exact and prefix rules/,
     'naming the line, as the API would');

# the rules survive a reload, and a restart through the state file
my $digest = api('GET', '/api/shop')->{json}{digest};
$t->reload_and_drain;
is(status('/h2c'), 410, 'a reload keeps the zone');
is(api('GET', '/api/shop')->{json}{digest}, $digest, 'the same digest');
ok($t->wait_for_log(qr/./, 'shop.state', 5), 'the state file is written');
$t->stop;
like($t->slurp('shop.state'), qr/^410 = \/h2c$/m, 'holding the rules');
like(`'$check' explain '@{[ $t->prefix ]}/shop.state' /var/x 2>&1`,
     qr/shop\.state:\d+: 410 \/var\/ \(prefix match\)/,
     'explain reads the state file as a rules file');
$t->start;
is(status('/h2c'), 410, 'a restart reads them back');
is(api('GET', '/api/shop')->{json}{digest}, $digest, 'the same digest');
like($t->error_log, qr/status_policy_zone "shop": 2 rules from/,
     'and says so');
is(api('GET', '/api/other')->{json}{count}, 0,
   'a zone without state= starts empty');
$t->stop;

# nginx -t says what it would do with a bad state file, and does nothing
$t->write_file('shop.state', "not a state file\n");
my ($rc, $out) = $t->test_config;
is($rc, 0, 'nginx -t passes with a bad state file');
like($out, qr/\[warn\] status_policy_zone "shop": state file ".*shop\.state" line 1: no status_policy_zone state header; nginx would set it aside/,
     'and warns, naming it');
is($t->slurp('shop.state'), "not a state file\n", 'leaving it as it was');

# a corrupt state file is set aside, and nginx starts
$t->write_file('shop.state', "# status_policy_zone state: rules=2 digest=00 "
                             . "changes=3 written=0\n410 = /a\n999 /b\n");
$t->start;
is(status('/a'), 200, 'nginx starts with the zone empty');
like($t->error_log, qr/state file ".*shop\.state" line 3: unsupported status code.*set aside as ".*shop\.state\.bad-\d+"/,
     'the file and line named, and where it went');
ok(scalar(() = glob($t->prefix . '/shop.state.bad-*')), 'the bad file kept');
$t->stop;

done_testing;

# A spike zone across reloads, with several workers: the counts go on
# when the window and the codes stay, the zone starts afresh with a notice
# naming what changed when they do not (never counts of one window read in
# another), a new size is a new zone, and a reload that fails leaves the
# running workers' zone as it was.

use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep time);
use IO::Socket::INET;
use JSON::PP ();
use lib 't/lib';
use TestNginx;

sub http {
    my ($zone) = @_;
    return <<"HTTP";
    status_spike_zone $zone;

    server {
        listen 127.0.0.1:%%PORT%%;
        server_name localhost;
        root %%PREFIX%%/html;
        status_spike spikes;

        location = /report {
            status_spike off;
            status_policy_report json;
        }
    }
HTTP
}

my $t = TestNginx->new(
    workers => 2,
    http => http('zone=spikes:1m window=2s threshold=1000'));

$t->start;

sub zone {
    my $doc = eval { JSON::PP::decode_json($t->get('/report')->{body}) }
              // {};
    my ($z) = grep { $_->{name} eq 'spikes' } @{ $doc->{zones} // [] };
    return $z // {};
}

sub path {
    my ($path) = @_;
    my ($p) = grep { $_->{path} eq "localhost$path" } @{ zone()->{top} };
    return $p // {};
}

sub hits {
    my ($path, $n) = @_;
    $t->get($path) for 1 .. $n;
}

sub reload_with {
    my ($zone) = @_;
    $t->{http} = http($zone);
    $t->write_files;
    $t->reload_and_drain;
}

sub afresh_lines {
    return scalar grep { /starts afresh/ } split /\n/, $t->error_log;
}

{
    hits('/kept', 4);
    reload_with('zone=spikes:1m window=2s threshold=500 factor=3');
    hits('/kept', 1);
    is(path('/kept')->{total}, 5,
       'a new threshold and factor: the counts go on');
    is(afresh_lines(), 0, 'and nothing starts afresh');
    is(zone()->{threshold}, 500, 'the report shows the new threshold');
}

{
    hits('/longer', 4);
    reload_with('zone=spikes:1m window=6s threshold=500 factor=3');
    ok($t->wait_for_log(qr{\[notice\] .*status_spike_zone "spikes" starts afresh: window 2s -> 6s}),
       'a longer window: the zone starts afresh, and the notice says why');
    hits('/longer', 1);
    my $p = path('/longer');
    is($p->{total}, 1, 'no hit counted in 2s windows is kept');
    is($p->{window_count}, 1, 'the window holds the one new hit');
    is(zone()->{counted}, 1, 'the zone counts from zero');
    is(zone()->{window_seconds}, 6, 'in the new window');
}

{
    hits('/shorter', 3);
    reload_with('zone=spikes:1m window=1s threshold=500 factor=3');
    ok($t->wait_for_log(qr{starts afresh: window 6s -> 1s}),
       'a shorter window starts afresh too');
    hits('/shorter', 2);
    is(path('/shorter')->{total}, 2, 'with only the new hits');
    is(afresh_lines(), 2, 'one notice a reload, whatever the workers');
}

{
    hits('/codes', 3);
    reload_with('zone=spikes:1m window=1s threshold=500 factor=3 '
                . 'codes=404,410');
    ok($t->wait_for_log(qr{starts afresh: codes 404 -> 404,410}),
       'other codes start afresh');
    hits('/codes', 1);
    is(path('/codes')->{total}, 1, 'counted from zero');
}

{
    hits('/size', 3);
    my $capacity = zone()->{capacity};
    reload_with('zone=spikes:2m window=1s threshold=500 factor=3 '
                . 'codes=404,410');
    hits('/size', 1);
    cmp_ok(zone()->{capacity}, '>', $capacity, 'a larger zone holds more');
    is(path('/size')->{total}, 1, 'and is a new zone');
}

sub failed_reload {
    my ($http, $error) = @_;
    $t->{http} = $http;
    $t->write_files;
    return $t->reload_refused($error);
}

{
    # refused while the configuration is read
    hits('/failed', 3);
    my $before = zone()->{counted};
    ok(failed_reload(http('zone=spikes:2m window=30s threshold=500 factor=3 '
                          . 'codes=404,410') . "    no_such_directive on;\n",
                     qr{\[emerg\] .*unknown directive "no_such_directive"}),
       'a reload refused for an unknown directive');
    hits('/failed', 3);
    is(path('/failed')->{total}, 6,
       'the running workers go on counting in their zone');
    is(zone()->{counted}, $before + 3, 'every hit counted once');
}

{
    # refused after the shared memory is set up: the new listener's
    # address is taken
    my $taken = IO::Socket::INET->new(Listen => 5, LocalAddr => '127.0.0.1',
                                      LocalPort => 0, ReuseAddr => 0)
        or die "listen: $!";
    my $port = $taken->sockport;

    hits('/late', 3);
    sleep 1.5;      # out of the 1s window

    (my $http = http('zone=spikes:2m window=30s threshold=500 factor=3 '
                     . 'codes=404,410'))
        =~ s{(listen 127\.0\.0\.1:%%PORT%%;)}{$1\n        listen 127.0.0.1:$port;};
    ok(failed_reload($http, qr{\[emerg\] .*bind\(\) to 127\.0\.0\.1:$port failed}),
       'a reload that fails on bind(), after its zones were set up');

    hits('/late', 1);
    my $p = path('/late');
    is($p->{total}, 4, 'the running workers count on');
    is($p->{window_count}, 1,
       'in their own 1s window, not the rejected 30s one');
    is(zone()->{window_seconds}, 1, 'and report it');
    is(afresh_lines(), 3, 'and nothing started afresh');
}

done_testing;

# The rule hit counters across reloads, with several workers: a reload
# that leaves the rules as they were keeps the counts; one that changes
# them (1 rule, then 600, then 1 again) counts from zero, each rule's hits
# credited to that rule; a failed reload changes nothing.

use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep time);
use JSON::PP ();
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
    }
HTTP
}

$t->start;

sub hits_of {
    my $doc = eval { JSON::PP::decode_json($t->get('/report')->{body}) }
              // {};
    return { map { $_->{pattern} => $_->{hits} } @{ $doc->{rules} // [] } };
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

{
    get_n('/gone/1', 5);
    is(hits_of()->{'= /gone/1'}, 5, 'counted across the workers');

    # the same rules, another setting: the counts go on
    $t->{http} = http('30s');
    $t->write_files;
    reload_with();
    get_n('/gone/1', 2);
    is(hits_of()->{'= /gone/1'}, 7,
       'a reload that leaves the rules as they were keeps the counts');
}

{
    reload_with('gone.rules' => rules(600));
    get_n('/gone/600', 3);
    get_n('/gone/1', 1);
    my $h = hits_of();
    is($h->{'= /gone/600'}, 3, '600 rules: the last rule counted');
    is($h->{'= /gone/1'}, 1, 'new rules count from zero');
    is(scalar keys %$h, 2, 'no other rule credited');

    reload_with('gone.rules' => rules(1));
    get_n('/gone/1', 2);
    $h = hits_of();
    is_deeply($h, { '= /gone/1' => 2 }, 'back to 1 rule: counted afresh');
}

{
    my $workers = () = $t->error_log =~ /start worker process/g;
    $t->write_file('gone.rules', rules(1) . "bogus line\n");
    kill 'HUP', $t->{pid};
    ok($t->wait_for_log(qr{\[emerg\] .*gone\.rules:2}, undef, 10),
       'a reload refused for a bad rules file');
    get_n('/gone/1', 1);
    is(hits_of()->{'= /gone/1'}, 3, 'the running workers count on');
    my $now = () = $t->error_log =~ /start worker process/g;
    is($now, $workers, 'no worker was started');
}

done_testing;

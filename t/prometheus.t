# The Prometheus examples in conf.examples/: the scrape configuration and
# the alerting rules are valid, and the rules fire on a 404 spike across
# several servers (promtool's rule unit tests).

use strict;
use warnings;
use Test::More;
use lib 't/lib';
use TestNginx;

plan skip_all => 'promtool is not installed' unless `which promtool` =~ /\S/;

my $dir = "$TestNginx::ROOT/conf.examples";

for my $cmd ('check config prometheus.yml',
             'check rules status-policy-alerts.yml',
             'test rules status-policy-alerts.test.yml')
{
    my $out = `cd '$dir' && promtool $cmd 2>&1`;
    is($?, 0, "promtool $cmd") or diag $out;
}

done_testing;

# status_policy_dry_run: the variables are set and a notice is logged, but
# nothing is enforced.  Request-derived strings are escaped in the log.

use strict;
use warnings;
use Test::More;
use lib 't/lib';
use TestNginx;

my $t = TestNginx->new(http => <<'HTTP');
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name localhost;
        status_policy_dry_run on;

        status_policy 410 /gone/;
        status_policy 301 /moved/ /new/;
        status_policy 444 = /drop;
        status_policy 451 = /legal;

        location /enforced/ {
            status_policy_dry_run off;
            status_policy 410 /enforced/gone;
            return 200 "served\n";
        }

        location / {
            return 200 "served\n";
        }
    }
HTTP

$t->start;
my $conf = $t->prefix . '/nginx.conf';

my $r = $t->get('/gone/page');
is($r->{status}, 200, 'dry run: 410 rule not enforced');
is($r->{body}, "served\n", 'dry run: the location answers');
# nginx's context after the line: Angie quotes its values
like($t->wait_for_log(qr/^.*would return 410 for "\/gone\/page".*$/m) // '',
     qr{\[notice\] .*status_policy dry run: would return 410 for "/gone/page" by rule \Q$conf\E:\d+, client: "?127\.0\.0\.1},
     'dry run notice for a 410');

$r = $t->get('/moved/a?x=1');
is($r->{status}, 200, 'dry run: redirect not enforced');
ok(!defined $r->{headers}{location}, 'no Location header');
like($t->wait_for_log(qr/^.*would return 301.*$/m) // '',
     qr{status_policy dry run: would return 301 "/new/a\?x=1" for "/moved/a" by rule \Q$conf\E:\d+},
     'dry run notice for a redirect shows the Location');

is($t->get('/drop')->{status}, 200, 'dry run: 444 not enforced');
like($t->wait_for_log(qr/^.*would return 444.*$/m) // '', qr{for "/drop"},
     'dry run notice for a drop');

# control bytes, quotes, backslashes and non-ASCII from the path are
# escaped in the log line
$t->get('/gone/a%0Ab%22c%5Cd%C3%A9');
like($t->wait_for_log(qr/^.*for "\/gone\/a.*$/m) // '',
     qr{for "/gone/a\\x0Ab\\x22c\\x5Cd\\xC3\\xA9" by rule},
     'request-derived path escaped in the notice');

# variables are set in dry run and appear in the access log
like($t->wait_for_log(qr{^200 "GET /gone/page HTTP/1.1" .*$}m, 'access.log')
         // '',
     qr{rule=\Q$conf\E:\d+ action=gone$}, 'access log: rule and action');
like($t->access_log, qr{^200 "GET /moved/a\?x=1 HTTP/1.1" rule=\S+ action=redirect$}m,
     'access log: redirect');
like($t->access_log, qr{^200 "GET /drop HTTP/1.1" rule=\S+ action=drop$}m,
     'access log: drop');
is($t->get('/legal')->{status}, 200, 'dry run: 451 not enforced');
like($t->wait_for_log(qr{^200 "GET /legal HTTP/1.1" .*$}m, 'access.log') // '',
     qr{action=status$}, 'access log: status');

# dry run off in a location: enforced there
is($t->get('/enforced/gone')->{status}, 410, 'dry_run off in a location');

# nothing logged at notice for paths without rules
$t->get('/no-rule-here');
unlike($t->error_log, qr{dry run.*no-rule-here}, 'no notice without a rule');

done_testing;

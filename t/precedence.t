# nginx's location precedence inside a level, the walk location -> server
# -> http across levels, status_policy_inherit and status_policy_ignore_case.

use strict;
use warnings;
use Test::More;
use lib 't/lib';
use TestNginx;

my $t = TestNginx->new(http => <<'HTTP');
    status_policy 451 /http-only/;
    status_policy 452 /shared/longer/;

    server {
        listen 127.0.0.1:%%PORT%%;
        server_name localhost;

        # one level, every kind
        status_policy 401 /p/;
        status_policy 402 /p/long/;
        status_policy 403 = /p/long/exact;
        status_policy 405 ~ ^/p/long/re;
        status_policy 406 ~ ^/p/long/re-first;
        status_policy 407 ^~ /p/stop/;
        status_policy 413 ~ ^/p/stop/re;
        status_policy 409 ~ ^/p/short;
        status_policy 410 /p/short/longer/;
        status_policy 411 ~ ^/p/order/;
        status_policy 412 ~ ^/p/order/b;

        # across levels
        status_policy 453 /shared/;
        status_policy 454 /server-only/;
        status_policy 455 /loc/;

        location /loc/ {
            status_policy 460 /loc/own/;
            return 200 "loc\n";
        }

        location /shared/ {
            status_policy 461 = /shared/exact;
            return 200 "shared\n";
        }

        location /no-inherit/ {
            status_policy_inherit off;
            status_policy 462 /no-inherit/own/;
            return 200 "no inherit\n";
        }

        location /empty-no-inherit/ {
            status_policy_inherit off;
            return 200 "empty no inherit\n";
        }

        location / {
            return 200 "fallback\n";
        }
    }

    server {
        listen 127.0.0.1:%%PORT2%%;
        server_name localhost;
        status_policy_inherit off;

        status_policy_ignore_case on;
        status_policy 420 = /Exact;
        status_policy 421 /Prefix/;
        status_policy 422 ~ ^/regex-case$;
        status_policy 423 ~* ^/regex-nocase$;

        location / {
            return 200 "second\n";
        }
    }
HTTP

$t->start;

sub status_of { $t->get($_[0], port => $_[1])->{status} }

# inside one level
is(status_of('/p/x'), 401, 'prefix');
is(status_of('/p/long/x'), 402, 'longest prefix wins');
is(status_of('/p/long/exact'), 403, 'exact beats every prefix and regex');
is(status_of('/p/long/exact/more'), 402, 'exact needs the whole path');
is(status_of('/p/long/re-first'), 405, 'first regex in order wins');
is(status_of('/p/long/re'), 405, 'regex beats a plain prefix');
is(status_of('/p/stop/re'), 407, '^~ as longest prefix stops regexes');
is(status_of('/p/short/longer/x'), 409,
   'a regex beats even the longest plain prefix');
is(status_of('/p/order/b'), 411, 'regexes are tried in the order given');

# across levels
is(status_of('/loc/own/x'), 460, 'location rules first');
is(status_of('/loc/x'), 455, 'then the server rules');
is(status_of('/shared/exact'), 461, 'location exact rule');
is(status_of('/shared/longer/x'), 453,
   'the first level with a match decides, even against a longer prefix');
is(status_of('/fallback'), 200, 'no rule anywhere');
is(status_of('/server-only/x'), 454, 'server rules apply in locations');
is(status_of('/http-only/x'), 451, 'http rules apply in locations');

# inherit off
is(status_of('/no-inherit/own/x'), 462, 'inherit off keeps own rules');
is(status_of('/http-only/x'), 451, '(control) http rule elsewhere');
{
    # a location with inherit off is not reached by outer rules; reach it
    # through a path under it that an outer rule would also take
    my $r = $t->get('/no-inherit/x');
    is($r->{status}, 200, 'inherit off: outer rules do not apply');
}
is(status_of('/empty-no-inherit/x'), 200,
   'inherit off without own rules: nothing applies');

# second server: inherit off at server level, ignore_case
my $p2 = $t->port(2);
is(status_of('/http-only/x', $p2), 200,
   'server with inherit off does not see http rules');
is(status_of('/exact', $p2), 420, 'ignore_case: exact');
is(status_of('/EXACT', $p2), 420, 'ignore_case: exact, upper case');
is(status_of('/prefix/x', $p2), 421, 'ignore_case: prefix');
is(status_of('/PREFIX/X', $p2), 421, 'ignore_case: prefix, upper case');
is(status_of('/regex-case', $p2), 422, '~ still matches its own case');
is(status_of('/REGEX-CASE', $p2), 200, 'ignore_case does not change ~');
is(status_of('/REGEX-NOCASE', $p2), 423, '~* is caseless');
is(status_of('/Exact', $t->port(1)), 200, '(control) first server unaffected');

done_testing;

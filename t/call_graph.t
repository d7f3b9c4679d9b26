#!/usr/bin/perl
# tools/call-graph: the module's C files call each other without cycles;
# and the tool itself finds a cycle, and no edge from a static function of
# the same name or from a name in a comment or a string.

use strict;
use warnings;
use File::Temp qw(tempdir);
use Test::More;

my $tool = 'tools/call-graph';
my $dir = tempdir(CLEANUP => 1);

sub write_c {
    my ($name, $text) = @_;
    open my $fh, '>', "$dir/$name" or die $!;
    print $fh $text;
    close $fh;
    return "$dir/$name";
}

sub run {
    my $out = `$tool @{[ map { "'$_'" } @_ ]} 2>&1`;
    return ($? >> 8, $out);
}

my ($rc, $out) = run();
is($rc, 0, 'the module has no call cycle between its files')
    or diag($out);
ok($out =~ /^no cycles$/m, 'and says so');

my $a_c = write_c('a.c', <<'C');
ngx_int_t
a_handler(ngx_http_request_t *r)
{
    return b_send(r);
}


void
a_done(void *data)
{
}
C

my $b_c = write_c('b.c', <<'C');
ngx_int_t
b_send(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t  *cln;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    cln->handler = a_done;

    return NGX_OK;
}
C

($rc, $out) = run($a_c, $b_c);
is($rc, 1, 'a cycle exits 1');
like($out, qr/^a\.c -> b\.c  \(b_send\)$/m, 'the call is an edge');
like($out, qr/^b\.c -> a\.c  \(a_done\)$/m, 'so is a function taken by address');
like($out, qr/^cycle: a\.c -> b\.c -> a\.c$/m, 'the cycle is named');

($rc, $out) = run('--quiet', $a_c, $b_c);
is($rc, 1, '--quiet: a cycle exits 1');
unlike($out, qr/^a\.c -> b\.c/m, '--quiet: no list of edges');
like($out, qr/^cycle: a\.c -> b\.c -> a\.c$/m, '--quiet: the cycle');

my $c_c = write_c('c.c', <<'C');
static ngx_int_t d_check(ngx_http_request_t *r);


/* d_log() is not called from here */

ngx_int_t
c_handler(ngx_http_request_t *r)
{
    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0, "d_log(\"%V\")",
                  &r->uri);    // d_log(r);

    return d_check(r);
}


static ngx_int_t
d_check(ngx_http_request_t *r)
{
    return d_status(r);
}
C

my $d_c = write_c('d.c', <<'C');
ngx_int_t
d_check(ngx_http_request_t *r)
{
    return NGX_OK;
}


ngx_int_t
d_status(ngx_http_request_t *r)
{
    return NGX_OK;
}


void
d_log(ngx_http_request_t *r)
{
}
C

my $e_c = write_c('e.c', <<'C');
static ngx_int_t
d_status(ngx_http_request_t *r)
{
    /* not d_log(r) */
    return NGX_OK;
}


ngx_int_t
e_handler(ngx_http_request_t *r)
{
    ngx_str_t  name = ngx_string("d_check");

    return d_status(r);
}
C

($rc, $out) = run($c_c, $d_c, $e_c);
is($rc, 0, 'no cycle');
like($out, qr/^c\.c -> d\.c  \(d_status\)$/m,
     'the exported function is an edge, not the static one of the same'
     . ' name nor the one in a comment and a string');
unlike($out, qr/^e\.c ->/m,
       'a file using only its own static function has no edge');
like($out, qr/^no cycles$/m, 'and no cycle is reported');

done_testing;

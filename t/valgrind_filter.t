#!/usr/bin/perl
# tools/valgrind-module-reports: which memcheck records fail make
# test-valgrind.  nginx's own exit-time leaks pass; a leak with a frame in
# the module (named, or in code nginx has unloaded) and any memory error
# fail.

use strict;
use warnings;
use File::Temp qw(tempdir);
use Test::More;

my $tool = 'tools/valgrind-module-reports';
my $dir = tempdir(CLEANUP => 1);

sub verdict {
    my ($log) = @_;
    my $file = "$dir/vg." . int(rand(1e9));
    open my $fh, '>', $file or die $!;
    print $fh $log;
    close $fh;
    my $out = `$tool '$file'`;
    return ($? >> 8, $out);
}

my $nginx_leak = <<'LOG';
==101== 1,024 bytes in 1 blocks are definitely lost in loss record 8 of 13
==101==    at 0x4846990: memalign (in /usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so)
==101==    by 0x154DD0: ngx_memalign (in /usr/sbin/nginx)
==101==    by 0x12F99B: ngx_create_pool (in /usr/sbin/nginx)
==101==    by 0x12CA00: main (in /usr/sbin/nginx)
==101== 
LOG

my $module_leak = <<'LOG';
==102== 77 bytes in 1 blocks are definitely lost in loss record 7 of 29
==102==    at 0x48417B4: malloc (in /usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so)
==102==    by 0x154CFE: ngx_alloc (in /usr/sbin/nginx)
==102==    by 0x54713E5: ngx_http_status_policy_handler (ngx_http_status_policy_handler.c:41)
==102==    by 0x170842: ngx_http_core_rewrite_phase (in /usr/sbin/nginx)
==102== 
LOG

my $unloaded_leak = <<'LOG';
==103== 77 bytes in 1 blocks are definitely lost in loss record 7 of 29
==103==    at 0x48417B4: malloc (in /usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so)
==103==    by 0x154CFE: ngx_alloc (in /usr/sbin/nginx)
==103==    by 0x54713E5: ???
==103==    by 0x170842: ngx_http_core_rewrite_phase (in /usr/sbin/nginx)
==103== 
LOG

my $core_leak = <<'LOG';
==104== 40 bytes in 1 blocks are definitely lost in loss record 3 of 9
==104==    at 0x4840F2F: operator new(unsigned long) (in /usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so)
==104==    by 0x5480010: status_policy::Ruleset::add(status_policy::Rule) (ruleset.cpp:88)
==104==    by 0x5470020: sp_ruleset_add (c_api.cpp:51)
==104== 
LOG

my $invalid_read = <<'LOG';
==105== Invalid read of size 1
==105==    at 0x16A0B2: ngx_http_parse_complex_uri (in /usr/sbin/nginx)
==105==    by 0x178D7E: ??? (in /usr/sbin/nginx)
==105==  Address 0x5a1b040 is 0 bytes after a block of size 16 alloc'd
==105== 
LOG

my ($rc, $out) = verdict($nginx_leak);
is($rc, 0, "nginx's own exit-time leak passes");
is($out, '', 'and prints nothing');

for my $case (['a leak from a module function', $module_leak, '==102=='],
              ['a leak from unloaded code', $unloaded_leak, '==103=='],
              ['a leak from the C++ core', $core_leak, '==104=='],
              ['an invalid read anywhere', $invalid_read, '==105=='])
{
    my ($name, $log, $pid) = @$case;
    ($rc, $out) = verdict($nginx_leak . $log);
    is($rc, 1, "$name fails the run");
    like($out, qr/\Q$pid\E/, "$name is printed");
    unlike($out, qr/==101==/, "the nginx leak beside it is not");
}

done_testing;

# Malformed and unusual input: rules files (binary garbage, NUL bytes,
# UTF-16, huge lines, a 100 MB file, files that are no regular files) and
# directive arguments (huge, negative, signed numbers, odd sizes).  Every
# input goes through "nginx -t" and, for rules files, "status-policy-check
# lint": each must fail cleanly (an exit code, no signal, no crash, the
# place and the reason, the same text from both) or be accepted as
# documented; accepted files then behave the same whatever their line
# endings.

use strict;
use warnings;
use Test::More;
use Cwd ();
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);
use lib 't/lib';
use TestNginx;

my $tool = $ENV{STATUS_POLICY_CHECK}
    || "$TestNginx::ROOT/build/status-policy-check";
plan skip_all => "no $tool (make check-tool)" unless -x $tool;

my $NGINX = $TestNginx::NGINX;

# nginx resolves a relative load_module path against its prefix
$TestNginx::MODULE = Cwd::abs_path($TestNginx::MODULE)
    if $TestNginx::MODULE !~ m{^/} && -e $TestNginx::MODULE;

# ------------------------------------------------------------- helpers

# Commands run in parallel, a few at a time: each with stdout and stderr
# into one file, its peak memory (VmHWM) watched, killed after its time
# limit.  A job is [dir, seconds, command...]; its result is { status
# (the raw wait status), exit, signal, core, out, secs, hwm_kb,
# timed_out }.
my $jobs_run = 0;

sub start_job {
    my ($dir, $limit, @cmd) = @_;
    my $file = "$dir/run-" . $jobs_run++ . '.out';
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDOUT, '>', $file or exit 126;
        open STDERR, '>&', \*STDOUT or exit 126;
        exec @cmd;
        exit 127;
    }
    return { pid => $pid, file => $file, start => time, limit => $limit,
             hwm_kb => 0, timed_out => 0 };
}

# Returns true once the job has ended.
sub poll_job {
    my ($j) = @_;
    my $status;
    if (waitpid($j->{pid}, WNOHANG) == $j->{pid}) {
        $status = $?;
    } else {
        if (open my $fh, '<', "/proc/$j->{pid}/status") {
            while (my $line = <$fh>) {
                $j->{hwm_kb} = $1
                    if $line =~ /^VmHWM:\s+(\d+)/ && $1 > $j->{hwm_kb};
            }
        }
        return 0 if time - $j->{start} < 2 * $j->{limit};
        kill 'KILL', $j->{pid};
        waitpid($j->{pid}, 0);
        $status = $?;
        $j->{timed_out} = 1;
    }

    $j->{secs} = time - $j->{start};
    $j->{status} = $status;
    $j->{exit} = $status >> 8;
    $j->{signal} = $status & 127;
    $j->{core} = $status & 128;
    open my $fh, '<', $j->{file} or die "$j->{file}: $!";
    binmode $fh;
    local $/;
    $j->{out} = <$fh> // '';
    close $fh;
    unlink $j->{file};
    return 1;
}

sub run_jobs {
    my @todo = @_;
    my (@active, @done);
    my $width = 4;
    my $next = 0;
    while ($next < @todo || @active) {
        while (@active < $width && $next < @todo) {
            push @active, [$next, start_job(@{ $todo[$next] })];
            $next++;
        }
        @active = grep {
            poll_job($_->[1]) ? do { $done[$_->[0]] = $_->[1]; 0 } : 1
        } @active;
        sleep 0.005 if @active;
    }
    return @done;
}

# Checks are queued with their jobs, and run in order by flush() once
# every queued job has ended.
my @queue;

sub later {
    my ($jobs, $check) = @_;
    push @queue, [$jobs, $check];
}

sub flush {
    my @results = run_jobs(map { @{ $_->[0] } } @queue);
    for my $q (@queue) {
        $q->[1]->(splice @results, 0, scalar @{ $q->[0] });
    }
    @queue = ();
}

# Nothing crashed, nothing hung: an exit code, no signal, no core, no
# sanitizer report, within the time limit.
sub clean {
    my ($r, $name, $dir) = @_;
    my @cores = $dir ? glob("$dir/core*") : ();
    my $ok = !$r->{timed_out} && !$r->{signal} && !$r->{core} && !@cores
             && $r->{out} !~ /Segmentation|AddressSanitizer|Sanitizer|core dumped/
             && $r->{secs} < $r->{limit};
    ok($ok, "$name: clean exit") or diag(sprintf
        "status %d (exit %d, signal %d%s)%s after %.1f s (limit %d s):\n%s",
        $r->{status}, $r->{exit}, $r->{signal},
        $r->{core} ? ', core' : '', $r->{timed_out} ? ' KILLED' : '',
        $r->{secs}, $r->{limit}, substr($r->{out}, 0, 2000));
    return $ok;
}

# Messages quote what they found; control and non-ASCII bytes come out as
# \xHH, so the output is plain printable text.
sub printable {
    my ($text, $name) = @_;
    ok($text !~ /[^\x20-\x7e\n]/, "$name: output is printable")
        or diag(join '', map { sprintf '\\x%02X', ord } $text =~ /([^\x20-\x7e\n])/g);
}

# A prefix with nginx.conf holding the given http-level and server-level
# directives.
sub prefix_with {
    my ($http, $server) = @_;
    return TestNginx->new(http => <<"HTTP");
$http
    server {
        listen 127.0.0.1:%%PORT%%;
        $server
    }
HTTP
}

sub write_bytes {
    my ($t, $name, $bytes) = @_;
    my $path = $t->prefix . "/$name";
    open my $fh, '>', $path or die "$path: $!";
    binmode $fh;
    print $fh $bytes;
    close $fh or die "$path: $!";
    return $path;
}

sub nginx_t_job {
    my ($t, $limit) = @_;
    my $p = $t->prefix;
    return [$p, $limit // 10, $NGINX, '-t', '-p', "$p/", '-c', "$p/nginx.conf",
            '-e', "$p/error.log"];
}

sub lint_job {
    my ($t, $limit, @files) = @_;
    return [$t->prefix, $limit // 10, $tool, 'lint', @files];
}

# The directive and message of nginx's [emerg] line, without the place
# in nginx.conf.
sub emerg {
    my ($out, $p) = @_;
    return $out =~ m{\[emerg\] (status_policy(?:_file)?): (.*) in \Q$p\E/nginx\.conf:\d+$}m
        ? ($1, $2) : ();
}

# A rules file that must be refused: nginx -t and lint fail cleanly with
# the same message.  $want is the exact message (PATH stands for the
# file's path) or a regex; $opt{also} gets the message for more checks.
sub refused {
    my ($name, $setup, $want, %opt) = @_;
    my $t = prefix_with('', 'status_policy_file bad.rules;');
    my $p = $t->prefix;
    my $path = "$p/bad.rules";
    ref $setup eq 'CODE' ? $setup->($t, $path) : write_bytes($t, 'bad.rules', $setup);

    later([nginx_t_job($t), lint_job($t, 10, $path)], sub {
        my ($n, $l) = @_;
        clean($n, "nginx -t, $name", $p);
        is($n->{exit}, 1, "nginx -t fails: $name");
        printable($n->{out}, "nginx -t, $name");
        my ($directive, $message) = emerg($n->{out}, $p);
        ok(defined $message, "nginx -t names the place in nginx.conf: $name")
            or diag $n->{out};
        $message //= '';

        clean($l, "lint, $name", $p);
        is($l->{exit}, 1, "lint fails: $name");
        is($l->{out}, "$message\n", "lint says what nginx -t says: $name");

        if (ref $want) {
            like($message, $want, "message: $name");
        } else {
            (my $text = $want) =~ s/PATH/$path/g;
            is($message, $text, "message: $name");
        }
        is($directive, $opt{directive} // 'status_policy_file',
           "reported by the directive: $name");
        $opt{also}->($message) if $opt{also};
    });
}

# A rules file that must be accepted by both, with $count rules.
sub accepted {
    my ($name, $bytes, $count) = @_;
    my $t = prefix_with('', 'status_policy_file ok.rules;');
    my $path = write_bytes($t, 'ok.rules', $bytes);

    later([nginx_t_job($t), lint_job($t, 10, $path)], sub {
        my ($n, $l) = @_;
        clean($n, "nginx -t, $name", $t->prefix);
        is($n->{exit}, 0, "nginx -t accepts: $name") or diag $n->{out};
        clean($l, "lint, $name", $t->prefix);
        is($l->{out}, "$count rules, no errors\n", "lint accepts: $name");
    });
}

# Reproducible bytes: $alphabet is undef (any byte), a string (its bytes)
# or an array of words.
sub random_bytes {
    my ($seed, $length, $alphabet) = @_;
    my $out = '';
    srand($seed);
    if (!defined $alphabet) {
        $out = join '', map { chr(int rand 256) } 1 .. $length;
    } elsif (ref $alphabet) {
        $out .= $alphabet->[int rand @$alphabet] while length $out < $length;
    } else {
        $out = join '', map { substr($alphabet, int rand length $alphabet, 1) }
            1 .. $length;
    }
    srand();    # temporary names stay unpredictable
    return $out;
}

my $MB = 1 << 20;
my $too_long = 'is too long: %d bytes, at most 65536';

# ------------------------------------------ binary and malformed files

{
    # valid lines, then garbage with a NUL at a known column
    my $garbage = random_bytes(7, 300, join '', map { chr } 1 .. 9, 11 .. 255);
    substr($garbage, 41, 1) = "\0";
    refused('random bytes after nine rules',
            join('', map { "410 = /ok/$_\n" } 1 .. 9) . "$garbage\n410 = /x\n",
            'PATH:10: NUL byte at column 42: rules files are UTF-8 or ASCII text');

    refused('a NUL inside a pattern', "410 = /a\n410 = /b\n410 = /c\0d\n",
            'PATH:3: NUL byte at column 9: rules files are UTF-8 or ASCII text');
    refused('a NUL inside a comment', "410 = /a\n# note\0\n410 = /b\n",
            'PATH:2: NUL byte at column 7: rules files are UTF-8 or ASCII text');
    refused('a NUL inside a quoted pattern', "410 = \"/a\0\"\n",
            'PATH:1: NUL byte at column 10: rules files are UTF-8 or ASCII text');

    (my $utf16le = "410 = /a\n") =~ s/(.)/$1\0/gs;
    (my $utf16be = "410 = /a\n") =~ s/(.)/\0$1/gs;
    refused('UTF-16LE with a byte order mark', "\xFF\xFE$utf16le",
            'PATH:1: UTF-16 text (byte order mark FF FE): rules files are UTF-8 or ASCII text');
    refused('UTF-16BE with a byte order mark', "\xFE\xFF$utf16be",
            'PATH:1: UTF-16 text (byte order mark FE FF): rules files are UTF-8 or ASCII text');
    refused('UTF-16LE without a byte order mark', $utf16le,
            'PATH:1: NUL byte at column 2: rules files are UTF-8 or ASCII text');
    refused('a gzip header', "\x1F\x8B\x08\x00\x00\x00\x00\x00\x00\x03"
                             . random_bytes(3, 500),
            'PATH:1: NUL byte at column 4: rules files are UTF-8 or ASCII text');

    refused('a line of 0xFF bytes', "410 = /a\n" . ("\xFF" x 300) . "\n",
            'PATH:2: expected CODE [= | ^~ | ~ | ~*] PATTERN [TARGET]');
    refused('0xFF bytes as the code', ("\xFF" x 200) . " = /a\n",
            'PATH:1: invalid status code "' . ('\xFF' x 128) . '..."');
    refused('terminal escapes in the code', "\e[2J\a410 = /a\n",
            'PATH:1: invalid status code "\x1B[2J\x07410"');
    refused('control bytes in a target', "301 /a /b\x01c\n",
            'PATH:1: invalid character in target "/b\x01c"');
    refused('a byte order mark twice', "\xEF\xBB\xBF\xEF\xBB\xBF410 = /a\n",
            'PATH:1: invalid status code "\xEF\xBB\xBF410"');
    refused('a byte order mark inside (concatenated files)',
            "410 = /a\n\xEF\xBB\xBF410 = /b\n",
            'PATH:2: invalid status code "\xEF\xBB\xBF410"');
    refused('a no-break space between tokens', "410\xC2\xA0= /a\n",
            'PATH:1: invalid status code "410\xC2\xA0="');
    refused('CR-only line ends (one long line)', "410 = /a\r410 = /b\r",
            'PATH:1: expected CODE [= | ^~ | ~ | ~*] PATTERN [TARGET]');
    refused('an error on the last line without a final newline',
            "410 = /a\n410 = /b\n200 = /c",
            'PATH:3: unsupported status code "200"');
    refused('an error after a line of blanks only',
            "410 = /a\n \t \r\f\x0B \n410 /b/ /c/\n",
            'PATH:3: status code 410 does not take a target');
    refused('an error after 1000 blank and comment lines',
            ("\n# c\n  \t\n" x 333) . "410 old\n",
            'PATH:1000: pattern "old" must start with "/"');
    refused('an error after a 1 MB comment line',
            '# ' . ('c' x $MB) . "\n410 = /a\n410 = b\n",
            'PATH:3: pattern "b" must start with "/"');
    refused('a semicolon after a CRLF rule', "410 = /a;\r\n",
            'PATH:1: unexpected ";" at the end of the rule (rules files take '
            . 'no semicolons; quote a pattern that ends in ";")');
    refused('duplicate rules, one with trailing blanks and CR',
            "410 = /dup\n# same again\n410 = /dup \t\r\n",
            'duplicate rule "/dup" at PATH:3, first at PATH:1',
            directive => 'status_policy');
    refused('a duplicate prefix under another modifier',
            "410 /dir/\n404 ^~ /dir/\n",
            'duplicate rule "/dir/" at PATH:2, first at PATH:1',
            directive => 'status_policy');
}

# ----------------------------------------------------- very long lines

{
    my $a = 'a' x 127;
    refused('a 1 MB prefix pattern', '410 /' . ('a' x $MB) . "\n",
            sprintf("PATH:1: pattern \"/$a...\" $too_long", $MB + 1));
    refused('a 1 MB exact pattern on line 2',
            "410 = /x\n410 = /" . ('a' x $MB) . "\n",
            sprintf("PATH:2: pattern \"/$a...\" $too_long", $MB + 1));
    refused('a 1 MB regex', '410 ~* ^/' . ('a' x $MB) . "\n",
            'PATH:1: pattern "^/' . ('a' x 126) . '..." '
            . sprintf($too_long, $MB + 2));
    refused('a 1 MB target', '301 /x /' . ('b' x $MB) . "\n",
            sprintf('PATH:1: target "/' . ('b' x 127) . "...\" $too_long",
                    $MB + 1));
    refused('a 1 MB quoted pattern', '410 = "/' . ('a ' x ($MB / 2)) . "\"\n",
            sprintf('PATH:1: pattern "/' . ('a ' x 63) . "a...\" $too_long",
                    $MB + 1));
    refused('one 1 MB token', 'x' x $MB,
            'PATH:1: expected CODE [= | ^~ | ~ | ~*] PATTERN [TARGET]');
    refused('a 1 MB code', ('4' x $MB) . " /x\n",
            'PATH:1: invalid status code "' . ('4' x 128) . '..."');
    refused('one byte over the limit', '410 /' . ('a' x 65536) . "\n",
            sprintf("PATH:1: pattern \"/$a...\" $too_long", 65537));

    # PCRE2's message and offset stay, the middle of the pattern goes
    refused('a 60 kB regex without its closing parenthesis',
            '410 ~ ^/(' . ('a' x 60000) . "\n",
            qr{^\S+/bad\.rules:1: invalid regex "\^/\(a+\.\.\.a+" at offset 60003: missing closing parenthesis$},
            also => sub {
                ok(length($_[0]) <= 900, 'a long message is cut to fit a line')
                    or diag length $_[0];
            });

    accepted('a pattern of 65536 bytes', '410 /' . ('a' x 65535) . "\n", 1);
    accepted('a 1 MB comment line', '# ' . ('c' x $MB) . "\n410 = /a\n", 1);
}

# ------------------------------------------- files that are not files

{
    refused('a FIFO', sub { system('mkfifo', $_[1]) == 0 or die 'mkfifo' },
            'PATH: cannot read: not a regular file');
    refused('a link to /dev/zero', sub { symlink '/dev/zero', $_[1] or die },
            'PATH: cannot read: not a regular file');
    refused('a directory', sub { mkdir $_[1] or die },
            'PATH: cannot read: Is a directory');
    refused('a dangling symlink', sub { symlink "$_[1].none", $_[1] or die },
            'PATH: cannot open: No such file or directory');
    refused('a symlink loop', sub { symlink $_[1], $_[1] or die },
            'PATH: cannot open: Too many levels of symbolic links');
    refused('a 2 GiB sparse file', sub {
                open my $fh, '>', $_[1] or die;
                truncate $fh, 2 << 30 or die "truncate: $!";
            },
            'PATH: file is too large: 2147483648 bytes, at most 1073741824 (1 GiB)');

    # one file twice at one level: named as such, not as duplicate rules
    my $t = prefix_with('', "status_policy_file twice.rules;\n"
                            . "        status_policy_file ./twice.rules;");
    my $p = $t->prefix;
    write_bytes($t, 'twice.rules', "410 = /a\n");
    later([nginx_t_job($t), lint_job($t, 10, ("$p/twice.rules") x 2)], sub {
        my ($n, $l) = @_;
        clean($n, 'nginx -t, one file twice', $p);
        like($n->{out}, qr{\[emerg\] status_policy_file: \Q$p\E/\./twice\.rules: already loaded at this level as "\Q$p\E/twice\.rules" in \Q$p\E/nginx\.conf:\d+$}m,
             'nginx -t, one file twice: named, with the first name');
        clean($l, 'lint, one file twice', $p);
        is($l->{out}, "$p/twice.rules: already loaded at this level\n",
           'lint, one file twice');
    });

    # paths nginx -t alone sees
    for my $case (
        ['a path through a file', 'file/inside.rules',
         qr{\S+/file/inside\.rules: cannot open: Not a directory}],
        ['an empty path (the prefix, a directory)', '""',
         qr{\S+/: cannot read: Is a directory}],
        ['a file name too long', ('n' x 300) . '.rules',
         qr{\S+/n+\.rules: cannot open: File name too long}],
    ) {
        my ($name, $arg, $want) = @$case;
        my $t = prefix_with('', "status_policy_file $arg;");
        write_bytes($t, 'file', "410 = /a\n");
        my $p = $t->prefix;
        later([nginx_t_job($t)], sub {
            my ($r) = @_;
            clean($r, $name, $p);
            is($r->{exit}, 1, "nginx -t fails: $name");
            like($r->{out}, qr{\[emerg\] status_policy_file: $want in \Q$p\E/nginx\.conf:\d+$}m,
                 "reason and place: $name");
        });
    }
}

# ------------------------------------- random files: never a crash

{
    my @alphabets = (
        undef,                                              # any byte
        join('', map { chr } 1 .. 255),                     # no NUL
        "0123456789 \t\r\n=~^*/\\\"'#;\$()[]|.+?a\xC3\xA9", # rule-like
        [(split / /, q{410 301 404 444 200 = ^~ ~ ~* / /a /a/ /b ^/(a)$ $1 $2}),
         '#', '"', "'", ';', ' ', ' ', ' ', "\t", "\n", "\r\n",
         "\xEF\xBB\xBF"],                                   # rule words
    );
    for my $seed (1 .. 8) {
        my $alphabet = $alphabets[$seed % @alphabets];
        my $bytes = random_bytes($seed, 500 + 4000 * $seed, $alphabet);
        my $name = "random file $seed";

        my $t = prefix_with('', 'status_policy_file rand.rules;');
        my $p = $t->prefix;
        my $path = write_bytes($t, 'rand.rules', $bytes);
        later([nginx_t_job($t), lint_job($t, 10, $path)], sub {
            my ($n, $l) = @_;
            clean($n, "nginx -t, $name", $p);
            clean($l, "lint, $name", $p);
            printable($n->{out} . $l->{out}, $name);

            if ($n->{exit} == 0) {
                like($l->{out}, qr/^\d+ rules, no errors$/,
                     "$name: both accept");
                return;
            }
            is($n->{exit}, 1, "$name: nginx -t exits 1");
            my (undef, $message) = emerg($n->{out}, $p);
            is($l->{out}, ($message // '(none)') . "\n",
               "$name: lint says what nginx -t says");
            my $lines = 1 + ($bytes =~ tr/\n//);
            my ($line) = ($message // '') =~ /\Q$path\E:(\d+)/;
            ok($line && $line <= $lines, "$name: names one of its $lines lines")
                or diag $n->{out};
        });
    }
}

# ---------------------------------------- accepted as documented, and
# rules from CRLF, BOM, unterminated, blank-ridden files behave as usual

{
    accepted('an empty file', '', 0);
    accepted('only comments', "# a\n   # b\r\n\t#c", 0);
    accepted('only blanks', " \n\t\n\r\n\f\x0B\n   ", 0);
    accepted('only a byte order mark', "\xEF\xBB\xBF", 0);
    accepted('control bytes inside a pattern', "410 = /a\x01\x7Fb\n", 1);

    my %files = (
        'lf.rules' => "# lf\n410 = /lf-gone\n301 /lf-old/ /lf-new/\n"
                      . "301 = /lf-exact /lf-target\n"
                      . "301 ~ ^/lf-re/(\\d+)\$ /lf-n/\$1\n"
                      . "301 = /lf-quoted \"/lf-q\"\n",
        'nofinal.rules' => "410 = /nofinal-1\n410 = /nofinal-last",
        'nofinal-crlf.rules' => "410 = /nfc-1\r\n410 = /nfc-last",
        'cr-last.rules' => "410 = /cr-1\r\n301 = /cr-last /cr-target\r",
        'bom.rules' => "\xEF\xBB\xBF410 = /bom-first\n410 = /bom-second\n",
        'bom-comment.rules' => "\xEF\xBB\xBF# c\r\n301 = /bomc /bomc-new\r\n",
        'blanks.rules' => "\t410\t=\t/tabs  \t\n   \n\t\t\n"
                          . "410    /spaces/    \t \r\n"
                          . "  301 = /trail /trail-new   \t\n",
        'empty.rules' => '',
        'comments.rules' => "# a\n#b\n" . ('#' x 100_000) . "\n   # c",
    );
    ($files{'crlf.rules'} = $files{'lf.rules'}) =~ s/\n/\r\n/g;
    $files{'crlf.rules'} =~ s/lf/crlf/g;

    my $t = TestNginx->new(files => \%files, http => <<'HTTP');
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name localhost;
        absolute_redirect off;
        status_policy_file crlf.rules;
        status_policy_file lf.rules;
        status_policy_file nofinal.rules;
        status_policy_file nofinal-crlf.rules;
        status_policy_file cr-last.rules;
        status_policy_file bom.rules;
        status_policy_file bom-comment.rules;
        status_policy_file blanks.rules;
        status_policy_file empty.rules;
        status_policy_file comments.rules;
        location / {
            return 200 "served\n";
        }
    }
HTTP
    my $p = $t->prefix;
    later([lint_job($t, 10, map { "$p/$_" } sort keys %files)], sub {
        is($_[0]{out}, "22 rules, no errors\n", 'lint: every file together');
    });

    # every rules file so far, in parallel
    flush();

    $t->start;

    sub answer {
        my ($t, $path) = @_;
        my $r = $t->get($path);
        my $head = substr($r->{raw}, 0, index($r->{raw}, "\r\n\r\n") + 2);
        # a stray CR or LF in a header value would show as "\r" not
        # followed by "\n", or as a line without "name:"
        my $clean = $head !~ /\r(?!\n)/ && $head !~ /(?<!\r)\n/;
        return sprintf '%s %s%s', $r->{status},
            $r->{headers}{location} // '-', $clean ? '' : ' (stray CR/LF)';
    }

    for my $kind (qw(crlf lf)) {
        is(answer($t, "/$kind-gone"), '410 -', "$kind: exact 410");
        is(answer($t, "/$kind-old/a/b?x=1"), "301 /$kind-new/a/b?x=1",
           "$kind: prefix redirect, no CR in Location");
        is(answer($t, "/$kind-exact"), "301 /$kind-target",
           "$kind: exact redirect, no CR in Location");
        is(answer($t, "/$kind-re/42"), "301 /$kind-n/42",
           "$kind: regex redirect with \$1, no CR in Location");
        is(answer($t, "/$kind-quoted"), "301 /$kind-q",
           "$kind: quoted target at the end of the line");
    }
    is(answer($t, '/nofinal-last'), '410 -', 'last rule without a final newline');
    is(answer($t, '/nfc-last'), '410 -', 'CRLF file without a final newline');
    is(answer($t, '/cr-last'), '301 /cr-target', 'a file ending in a lone CR');
    is(answer($t, '/bom-first'), '410 -', 'first rule after a byte order mark');
    is(answer($t, '/bom-second'), '410 -', 'second rule of that file');
    is(answer($t, '/bomc'), '301 /bomc-new', 'byte order mark before a comment');
    is(answer($t, '/tabs'), '410 -', 'tabs separate tokens');
    is(answer($t, '/tabs/x'), '200 -', 'the tab rule is exact');
    is(answer($t, '/spaces/x'), '410 -', 'runs of spaces, trailing blanks and CR');
    is(answer($t, '/trail'), '301 /trail-new', 'no trailing blank in Location');
    is(answer($t, '/served'), '200 -', 'other paths are served');

    # the rules keep their line numbers
    my $log = $t->access_log;
    for (['/crlf-re/42', 'crlf.rules:5'], ['/lf-quoted', 'lf.rules:6'],
         ['/nofinal-last', 'nofinal.rules:2'], ['/cr-last', 'cr-last.rules:2'],
         ['/bom-first', 'bom.rules:1'], ['/bomc', 'bom-comment.rules:2'],
         ['/trail', 'blanks.rules:5'])
    {
        my ($path, $where) = @$_;
        like($log, qr{"GET \Q$path\E HTTP/1\.1" rule=\Q$p/$where\E }m,
             "$path: \$status_policy_rule is $where");
    }
    $t->stop;
}

# ------------------------------------------------- a 100 MB rules file

{
    my $t = prefix_with('', 'status_policy_file big.rules;');
    my $p = $t->prefix;
    my $path = "$p/big.rules";

    # long lines: the size is in the bytes, without millions of rules
    my $slug = 'retired-page-of-a-site-that-moved-long-ago';
    open my $fh, '>', $path or die "$path: $!";
    my ($size, $lines, $chunk) = (0, 0, '');
    while ($size < 100 * $MB) {
        $lines++;
        $chunk .= $lines % 20
            ? "410 = /big/$lines/$slug/$lines.html   # retired\n"
            : "301 /big-prefix-$lines/ /new/$lines/\n";
        if (length $chunk > $MB) {
            print $fh $chunk;
            $size += length $chunk;
            $chunk = '';
        }
    }
    print $fh $chunk;
    close $fh or die "$path: $!";
    $size += length $chunk;
    note(sprintf '%d MB, %d rules', $size / $MB, $lines);

    my ($n, $l) = run_jobs(nginx_t_job($t, 60), lint_job($t, 60, $path));
    clean($n, 'nginx -t, 100 MB');
    is($n->{exit}, 0, 'nginx -t accepts 100 MB of rules') or diag $n->{out};
    ok($n->{secs} < 60, sprintf 'nginx -t, 100 MB: %.1f s', $n->{secs});
    ok($n->{hwm_kb} < 1024 * 1024,
       sprintf 'nginx -t, 100 MB: peak memory %d MB', $n->{hwm_kb} / 1024);

    clean($l, 'lint, 100 MB');
    is($l->{out}, "$lines rules, no errors\n", 'lint counts every rule');
    ok($l->{secs} < 60, sprintf 'lint, 100 MB: %.1f s', $l->{secs});
    ok($l->{hwm_kb} < 1024 * 1024,
       sprintf 'lint, 100 MB: peak memory %d MB', $l->{hwm_kb} / 1024);

    # the same file with a mistake on its last line
    open $fh, '>>', $path or die "$path: $!";
    print $fh "410 = big/last-line.html\n";
    close $fh or die "$path: $!";
    my $last = $lines + 1;
    my $want = "$path:$last: pattern \"big/last-line.html\" must start with \"/\"";

    ($n, $l) = run_jobs(nginx_t_job($t, 60), lint_job($t, 60, $path));
    clean($n, 'nginx -t, 100 MB with an error');
    is($n->{exit}, 1, 'nginx -t fails on the last line of 100 MB');
    my (undef, $message) = emerg($n->{out}, $p);
    is($message, $want, "nginx -t names line $last");
    ok($n->{secs} < 60,
       sprintf 'nginx -t, 100 MB with an error: %.1f s', $n->{secs});
    ok($n->{hwm_kb} < 1024 * 1024, sprintf
       'nginx -t, 100 MB with an error: peak memory %d MB', $n->{hwm_kb} / 1024);

    clean($l, 'lint, 100 MB with an error');
    is($l->{out}, "$want\n", "lint names line $last");
    ok($l->{hwm_kb} < 1024 * 1024, sprintf
       'lint, 100 MB with an error: peak memory %d MB', $l->{hwm_kb} / 1024);
    unlink $path;
}

# ------------------------------------------------------ directive input

my @directives = (
    # status_policy
    ['', 'status_policy;',
     'invalid number of arguments in "status_policy" directive'],
    ['', 'status_policy 410 = /x /y /z /w;',
     'status_policy: expected CODE [= | ^~ | ~ | ~*] PATTERN [TARGET]'],
    ['', 'status_policy 4100000000410 /x;',
     'status_policy: invalid status code "4100000000410"'],
    ['', 'status_policy -410 /x;', 'status_policy: invalid status code "-410"'],
    ['', 'status_policy +41 /x;', 'status_policy: invalid status code "+41"'],
    ['', 'status_policy 0410 /x;', 'status_policy: invalid status code "0410"'],
    ['', 'status_policy 041 /x;', 'status_policy: unsupported status code "041"'],
    ['', 'status_policy 4.1 /x;', 'status_policy: invalid status code "4.1"'],
    ['', 'status_policy "" /x;', 'status_policy: invalid status code ""'],
    ['', "status_policy \xD9\xA4\xD9\xA1\xD9\xA0 /x;",
     'status_policy: invalid status code "\xD9\xA4\xD9\xA1\xD9\xA0"'],
    ['', 'status_policy 410 "";', 'status_policy: empty pattern'],
    ['', 'status_policy 410 = "";', 'status_policy: empty pattern'],
    ['', 'status_policy 410 == /x;',
     'status_policy: pattern "==" must start with "/"'],
    ['', "status_policy 410 = \"/a\0b\";",
     'status_policy: pattern "/a\x00b" holds a NUL byte'],
    ['', 'status_policy 301 /a "/b\r\nSet-Cookie: x=1";',
     'status_policy: invalid character in target "/b\x0D\x0ASet-Cookie: x=1"'],
    ['', 'status_policy 301 /a "/b c";',
     'status_policy: invalid character in target "/b c"'],
    ['', 'status_policy 410 /' . ('a' x 5000) . ';',
     qr/too long parameter/],

    # status_policy_file
    ['', 'status_policy_file;',
     'invalid number of arguments in "status_policy_file" directive'],
    ['', 'status_policy_file a.rules b.rules;',
     'invalid number of arguments in "status_policy_file" directive'],

    # status_spike_zone
    ['status_spike_zone;', '',
     'invalid number of arguments in "status_spike_zone" directive'],
    ['status_spike_zone zone=a:1T;', '',
     'status_spike_zone: invalid zone size "1T"'],
    ['status_spike_zone zone=a:0;', '',
     qr/status_spike_zone: zone "a" is too small: 0, at least \d+k/],
    ['status_spike_zone zone=a:-1m;', '',
     'status_spike_zone: invalid zone size "-1m"'],
    ['status_spike_zone zone=a:99999999999999999999;', '',
     'status_spike_zone: invalid zone size "99999999999999999999"'],
    ['status_spike_zone zone=a:4096m;', '',
     'status_spike_zone: zone "a" is too large: 4096m, at most 1024m'],
    ['status_spike_zone zone=a:100000000k;', '',
     'status_spike_zone: zone "a" is too large: 100000000k, at most 1024m'],
    ['status_spike_zone zone=status_policy_rule_hits:1m;', '',
     'status_spike_zone: zone name "status_policy_rule_hits" is reserved '
     . 'for the rule hit counters'],
    ['status_spike_zone zone=a:1m zone=b:1m;', '',
     'status_spike_zone: duplicate parameter "zone=b:1m"'],
    ['status_spike_zone zone=a:1m window=0;', '',
     'status_spike_zone: invalid window "0", expected a time from 1s to 1d'],
    ['status_spike_zone zone=a:1m window=-1s;', '',
     'status_spike_zone: invalid window "-1s", expected a time from 1s to 1d'],
    ['status_spike_zone zone=a:1m window=500ms;', '',
     'status_spike_zone: invalid window "500ms", expected a time from 1s to 1d'],
    ['status_spike_zone zone=a:1m window=25h;', '',
     'status_spike_zone: invalid window "25h", expected a time from 1s to 1d'],
    ['status_spike_zone zone=a:1m window=99999999999999999999s;', '',
     'status_spike_zone: invalid window "99999999999999999999s", expected a time from 1s to 1d'],
    ['status_spike_zone zone=a:1m window=1s window=2s;', '',
     'status_spike_zone: duplicate parameter "window=2s"'],
    (map { ['status_spike_zone zone=a:1m threshold=' . $_ . ';', '',
            'status_spike_zone: invalid threshold "threshold=' . $_
            . '", expected a positive number'] }
         '-1', '4100000000410', '100000001', '0x10', '', '1.5'),
    (map { ['status_spike_zone zone=a:1m factor=' . $_ . ';', '',
            'status_spike_zone: invalid factor "factor=' . $_ . '", expected '
            . 'a number from 1 to 1000 with at most two decimals'] }
         'nan', 'inf', '-inf', '1e3', '-5', '1.005', '1000.01', '0.99', ''),
    ['status_spike_zone zone=a:1m factor=2 factor=3;', '',
     'status_spike_zone: duplicate parameter "factor=3"'],
    (map { ['status_spike_zone zone=a:1m codes=' . $_->[0] . ';', '',
            'status_spike_zone: invalid code "' . $_->[1] . '" in "codes='
            . $_->[0] . '", expected 400-599'] }
         ['0404', '0404'], ['+404', '+404'], ['404,,410', ''],
         ['4040', '4040'], ['-404', '-404']),
    ['status_spike_zone zone=a:1m codes=404,410,404;', '',
     'status_spike_zone: code 404 is listed twice in "codes=404,410,404"'],
    ['status_spike_zone zone=a:1m codes=400,401,402,403,404,405,406,407,408;', '',
     'status_spike_zone: too many codes in '
     . '"codes=400,401,402,403,404,405,406,407,408", at most 8'],
    ['status_spike_zone zone=a:1m codes=404 codes=410;', '',
     'status_spike_zone: duplicate parameter "codes=410"'],

    # status_spike, status_mask, status_policy_cache, report, enums
    ['', 'status_spike a b;',
     'invalid number of arguments in "status_spike" directive'],
    ['', 'status_spike "";', 'status_spike: unknown zone ""'],
    (map { ['', "status_mask $_;", "status_mask: invalid status code \"$_\""] }
         '+403', '0403', '-403', '4100000000403'),
    ['', 'status_policy_cache 4100000000410 1d;',
     'status_policy_cache: invalid status code "4100000000410", expected 300-599'],
    ['', 'status_policy_cache +410 1d;',
     'status_policy_cache: invalid status code "+410", expected 300-599'],
    ['', 'status_policy_cache 410 -1s;', 'status_policy_cache: invalid time "-1s"'],
    ['', 'status_policy_cache 410 1d 2d;',
     'status_policy_cache: invalid status code "1d", expected 300-599'],
    ['', 'location = /r { status_policy_report json html; }',
     'invalid number of arguments in "status_policy_report" directive'],
    ['', 'status_policy_body "";',
     'status_policy_body: invalid value "", expected html, json or auto'],
    ['', 'status_policy_inherit on off;',
     'invalid number of arguments in "status_policy_inherit" directive'],
);

for my $case (@directives) {
    my ($http, $server, $want) = @$case;
    my $name = ($http . $server) =~ s/[^\x20-\x7e]/?/gr;
    $name = substr($name, 0, 80) . '...' if length $name > 80;
    my $t = prefix_with($http, $server);
    my $p = $t->prefix;
    later([nginx_t_job($t)], sub {
        my ($r) = @_;
        clean($r, $name, $p);
        is($r->{exit}, 1, "nginx -t fails: $name");
        my $re = ref $want ? $want : qr/\Q$want\E/;
        like($r->{out}, qr{\[emerg\] $re.* in \Q$p\E/nginx\.conf:\d+$}m,
             "reason and place: $name");
    });
}

# the limits themselves are accepted
for my $case (
    ['status_spike_zone zone=a:1m window=1d threshold=100000000 factor=1000 '
     . 'codes=400,401,402,403,404,405,406,407;', ''],
    ['status_spike_zone zone=a:1m window=1s threshold=1 factor=1.00;', ''],
    ['', 'status_policy 599 /' . ('a' x 4000) . ';'],
    ['', "status_policy 410 = \"/a\x01b\";"],
) {
    my ($http, $server) = @$case;
    my $name = substr(($http . $server) =~ s/[^\x20-\x7e]/?/gr, 0, 80);
    my $t = prefix_with($http, $server);
    later([nginx_t_job($t)], sub {
        my ($r) = @_;
        clean($r, $name, $t->prefix);
        is($r->{exit}, 0, "nginx -t accepts: $name") or diag $r->{out};
    });
}

flush();

done_testing;

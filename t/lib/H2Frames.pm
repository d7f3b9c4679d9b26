package H2Frames;

# A frame-level HTTP/2 client (cleartext, prior knowledge) for tests that
# must see exactly which frames a server sends: RST_STREAM against GOAWAY,
# what happens to the other streams of a connection.
#
#   my $h2 = H2Frames->new(port => $port);
#   $h2->request(1, '/slow');  $h2->request(3, '/.env');
#   my $frames = $h2->read_frames(timeout => 3);   # until EOF or silence
#   $h2->rst_stream(3)     # error code of RST_STREAM on stream 3, or undef
#   $h2->goaway            # { last_sid, error } or undef
#   $h2->stream(1)         # { status, data, ended }
#   $h2->eof               # the server closed the connection
#
# Requests are sent with literal HPACK fields (no Huffman, no indexing);
# only the :status of responses is decoded.

use strict;
use warnings;

use IO::Socket::IP;
use IO::Select;
use Time::HiRes qw(time);

our %TYPE = (DATA => 0, HEADERS => 1, RST_STREAM => 3, SETTINGS => 4,
             PING => 6, GOAWAY => 7, WINDOW_UPDATE => 8);
our %ERROR = (0 => 'NO_ERROR', 1 => 'PROTOCOL_ERROR', 2 => 'INTERNAL_ERROR',
              8 => 'CANCEL');

my %STATIC_STATUS = (8 => 200, 9 => 204, 10 => 206, 11 => 304, 12 => 400,
                     13 => 404, 14 => 500);

sub new {
    my ($class, %opt) = @_;
    my $s = IO::Socket::IP->new(PeerHost => '127.0.0.1',
                                PeerPort => $opt{port},
                                Proto => 'tcp', Timeout => 5)
        or die "connect: $!";
    binmode $s;
    my $self = bless { sock => $s, buf => '', frames => [], streams => {},
                       eof => 0, reset => 0 }, $class;
    $self->send_raw("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
                    . frame($TYPE{SETTINGS}, 0, 0, ''));
    return $self;
}

sub frame {
    my ($type, $flags, $sid, $payload) = @_;
    my $len = length $payload;
    return pack('CnCCN', $len >> 16, $len & 0xffff, $type, $flags, $sid)
           . $payload;
}

sub send_raw {
    my ($self, $bytes) = @_;
    local $SIG{PIPE} = 'IGNORE';
    my $s = $self->{sock};
    print {$s} $bytes;
    $s->flush;
}

sub hpack_string {
    my ($str) = @_;
    my $len = length $str;
    return pack('C', $len) . $str if $len < 127;
    my $out = pack('C', 127);
    $len -= 127;
    while ($len >= 128) {
        $out .= pack('C', ($len & 0x7f) | 0x80);
        $len >>= 7;
    }
    return $out . pack('C', $len) . $str;
}

# A HEADERS frame (END_HEADERS, and END_STREAM unless a body follows); a
# body goes in one DATA frame with END_STREAM, or is left open if
# $opt{open_body} (for a request whose body never comes).
sub request {
    my ($self, $sid, $path, %opt) = @_;
    my @fields = (':method' => $opt{method} // 'GET', ':scheme' => 'http',
                  ':path' => $path, ':authority' => 'localhost',
                  @{ $opt{headers} // [] });
    my $block = '';
    while (my ($name, $value) = splice @fields, 0, 2) {
        $block .= "\x00" . hpack_string($name) . hpack_string($value);
    }
    my $has_body = defined $opt{body} || $opt{open_body};
    my $flags = 0x4 | ($has_body ? 0 : 0x1);
    my $bytes = frame($TYPE{HEADERS}, $flags, $sid, $block);
    if (defined $opt{body}) {
        $bytes .= frame($TYPE{DATA}, $opt{open_body} ? 0 : 0x1, $sid,
                        $opt{body});
    }
    $self->send_raw($bytes);
}

# Reads frames until the server closes the connection, until $opt{until}
# returns true for a frame, or until $opt{timeout} seconds of silence.
# SETTINGS and PING are acknowledged.
sub read_frames {
    my ($self, %opt) = @_;
    my $sel = IO::Select->new($self->{sock});
    my $timeout = $opt{timeout} // 5;
    my @got;

    while (!$self->{eof}) {
        while (my $f = $self->next_frame) {
            push @got, $f;
            return \@got if $opt{until} && $opt{until}->($f);
        }
        last unless $sel->can_read($timeout);
        my $n = sysread($self->{sock}, my $chunk, 65536);
        if (!defined $n) {
            $self->{reset} = 1 if $!{ECONNRESET};
            $self->{eof} = 1;
        } elsif ($n == 0) {
            $self->{eof} = 1;
        } else {
            $self->{buf} .= $chunk;
        }
    }
    while (my $f = $self->next_frame) {
        push @got, $f;
    }
    return \@got;
}

sub next_frame {
    my ($self) = @_;
    return undef if length $self->{buf} < 9;
    my ($hi, $lo, $type, $flags, $sid) = unpack('CnCCN', $self->{buf});
    my $len = ($hi << 16) | $lo;
    return undef if length $self->{buf} < 9 + $len;
    my $payload = substr($self->{buf}, 9, $len);
    substr($self->{buf}, 0, 9 + $len, '');
    my $f = { type => $type, flags => $flags, sid => $sid & 0x7fffffff,
              payload => $payload };
    push @{ $self->{frames} }, $f;
    $self->account($f);
    return $f;
}

sub account {
    my ($self, $f) = @_;
    my $st = $self->{streams}{ $f->{sid} } //= { data => '', ended => 0 };

    if ($f->{type} == $TYPE{SETTINGS} && !($f->{flags} & 0x1)) {
        $self->send_raw(frame($TYPE{SETTINGS}, 0x1, 0, ''));
    } elsif ($f->{type} == $TYPE{PING} && !($f->{flags} & 0x1)) {
        $self->send_raw(frame($TYPE{PING}, 0x1, 0, $f->{payload}));
    } elsif ($f->{type} == $TYPE{HEADERS}) {
        $st->{status} //= decode_status($f->{payload}, $f->{flags});
        $st->{ended} = 1 if $f->{flags} & 0x1;
    } elsif ($f->{type} == $TYPE{DATA}) {
        $st->{data} .= $f->{payload};
        $st->{ended} = 1 if $f->{flags} & 0x1;
        # keep the windows open, so a long response is not stalled
        my $n = length $f->{payload};
        $self->send_raw(frame($TYPE{WINDOW_UPDATE}, 0, 0, pack('N', $n))
                        . frame($TYPE{WINDOW_UPDATE}, 0, $f->{sid},
                                pack('N', $n)))
            if $n && !$st->{ended};
    } elsif ($f->{type} == $TYPE{RST_STREAM}) {
        $st->{rst} = unpack('N', $f->{payload});
    } elsif ($f->{type} == $TYPE{GOAWAY}) {
        my ($last, $error) = unpack('NN', $f->{payload});
        $self->{goaway} = { last_sid => $last & 0x7fffffff,
                            error => $error };
    }
}

# The first field of nginx's response header block is :status, indexed
# (a static-table entry) or literal with the indexed name ":status".
sub decode_status {
    my ($block, $flags) = @_;
    if ($flags & 0x8) {                          # PADDED
        my $pad = unpack('C', $block);
        $block = substr($block, 1, length($block) - 1 - $pad);
    }
    $block = substr($block, 5) if $flags & 0x20;  # PRIORITY
    my $b = unpack('C', $block);
    return $STATIC_STATUS{ $b & 0x7f } if $b & 0x80;
    if (($b & 0xc0) == 0x40 && ($b & 0x3f) == 8
        || ($b & 0xf0) == 0x00 && ($b & 0x0f) == 8)
    {
        my $len = unpack('C', substr($block, 1, 1)) & 0x7f;
        return substr($block, 2, $len);
    }
    return undef;
}

sub stream { $_[0]{streams}{ $_[1] } // { data => '', ended => 0 } }
sub rst_stream { $_[0]->stream($_[1])->{rst} }
sub goaway { $_[0]{goaway} }
sub eof { $_[0]{eof} }
sub frames { $_[0]{frames} }

sub close { close $_[0]{sock} }

# One line per frame, for test diagnostics.
sub dump {
    my ($self) = @_;
    my %name = reverse %TYPE;
    return join "\n", map {
        sprintf '%s sid=%d flags=0x%02x len=%d',
            $name{ $_->{type} } // "type$_->{type}", $_->{sid}, $_->{flags},
            length $_->{payload}
    } @{ $self->{frames} };
}

1;

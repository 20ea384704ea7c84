#!/usr/bin/perl
# An endpoint's life cycle through l2vlan's socket against the kernel's floor.
# perl, not python: the VM roots carry perl-base (IO::Socket::UNIX) but no python3, nor Time::HiRes.
#
#   perl endpoint-bench.pl N SUFFIX
#
# Acts as Docker does, on a network of its own (VLAN 3000 of eno1, bridge bench3000, 10.77.0.0/16, dad=off:
# the floor makes no probe, and the probe's fixed 250 ms is measured by scenario vlans):
#   setup    = RequestAddress + CreateEndpoint + Join, per endpoint, one after another
#   teardown = Leave + DeleteEndpoint + ReleaseAddress, per endpoint: what Docker waits for
# and, in the same run, the floor: the same link operations (veth pair create + enslave + up; then delete) for
# all N endpoints in one `ip -batch`, per endpoint, less an empty batch: the kernel's cost without ip's own
# start, which under TCG is about 150 ms. Each request opens its own connection, as Docker's client may; the
# median round trip of a request that does nothing (Plugin.Activate) is printed beside, as what the client,
# the socket and HTTP cost per request (setup and teardown make three requests each).
# Prints BENCH rows (tests/bench/table.sh) and the time until l2vlan's links are really gone. Exits 1 only
# when it could not measure.
use strict;
use warnings;
use IO::Socket::UNIX;

# clock_gettime(CLOCK_MONOTONIC) by its x86-64 system call number: perl-base has no Time::HiRes.
sub now {
    my $timespec = "\0" x 16;
    syscall(228, 1, $timespec) == 0 or die "clock_gettime: $!\n";
    my ($seconds, $nanoseconds) = unpack('q q', $timespec);
    return $seconds + $nanoseconds / 1e9;
}

my $n = $ARGV[0] // 60;
my $suffix = $ARGV[1] // '';
my $socket_path = $ENV{L2VLAN_SOCKET} // '/run/l2vlan/l2vlan.sock';
my $network = 'b' x 64;
my $bridge = 'bench3000';

sub call {
    my ($path, $body) = @_;
    my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $socket_path) or die "connect $socket_path: $!\n";
    print $s "POST $path HTTP/1.1\r\nHost: plugin\r\nContent-Type: application/json\r\n"
        . "Content-Length: " . length($body) . "\r\nConnection: close\r\n\r\n$body";
    local $/;
    my $reply = <$s> // '';
    close $s;
    my ($status) = $reply =~ m{^HTTP/1\.[01] (\d+)};
    my ($json) = $reply =~ m{\r\n\r\n(.*)\z}s;
    die "$path: status " . ($status // '?') . ": " . ($json // $reply) . "\n" if !defined $status || $status != 200;
    die "$path: $1\n" if defined $json && $json =~ /"Err"\s*:\s*"([^"]+)"/;
    return $json // '';
}

sub field {
    my ($json, $name) = @_;
    my ($v) = $json =~ /"\Q$name\E"\s*:\s*"([^"]*)"/;
    defined $v or die "no $name in $json\n";
    return $v;
}

sub median {
    my @s = sort { $a <=> $b } @_;
    return 0 unless @s;
    return @s % 2 ? $s[$#s / 2] : ($s[@s / 2 - 1] + $s[@s / 2]) / 2;
}

sub ip_batch {
    my ($lines) = @_;
    my $file = "/tmp/endpoint-bench.$$.ip";
    open my $f, '>', $file or die "$file: $!\n";
    print $f $lines;
    close $f;
    my $t0 = now();
    system('ip', '-batch', $file) == 0 or die "ip -batch failed for:\n$lines";
    my $dt = now() - $t0;
    unlink $file;
    return $dt;
}

sub row {
    my ($figure, $value, $baseline, $base, $target) = @_;
    my $ratio = $base > 0 ? $value / $base : 0;
    my $met = $ratio <= $target ? 'met' : 'NOT met';
    printf "BENCH|2|%s%s|%.2f ms|%s|%.2f ms|%.2fx|<= %sx|%s\n", $figure, $suffix, $value * 1000, $baseline, $base * 1000, $ratio, $target, $met;
}

sub l2vlan_links_left {
    my $out = `ip -o link show master $bridge 2>/dev/null`;
    return scalar grep { /: l2v/ } split /\n/, $out;
}

# --- the network, as Docker makes it ---
my $pool_reply = call('/IpamDriver.RequestPool', '{"AddressSpace":"LocalDefault","Pool":"10.77.0.0/16","Options":{},"V6":false}');
my $pool = field($pool_reply, 'PoolID');
call('/IpamDriver.RequestAddress', qq({"PoolID":"$pool","Address":"10.77.0.1","Options":{"RequestAddressType":"com.docker.network.gateway"}}));
call('/NetworkDriver.CreateNetwork', qq({"NetworkID":"$network","Options":{"com.docker.network.generic":{"vlan_id":"3000","ext_if":"eno1","bridge_name":"$bridge","dad":"off"}},)
    . qq("IPv4Data":[{"AddressSpace":"LocalDefault","Pool":"10.77.0.0/16","Gateway":"10.77.0.1/16"}],"IPv6Data":[]}));

# --- setup through the socket ---
my (@setup, @teardown, @endpoints);
for my $i (1 .. $n) {
    my $endpoint = sprintf('%02x', $i) x 32;
    my $t0 = now();
    my $address = field(call('/IpamDriver.RequestAddress', qq({"PoolID":"$pool","Address":"","Options":{}})), 'Address');
    call('/NetworkDriver.CreateEndpoint', qq({"NetworkID":"$network","EndpointID":"$endpoint","Interface":{"Address":"$address","AddressIPv6":"","MacAddress":""},"Options":{}}));
    call('/NetworkDriver.Join', qq({"NetworkID":"$network","EndpointID":"$endpoint","SandboxKey":"/var/run/docker/netns/bench$i","Options":{}}));
    push @setup, now() - $t0;
    push @endpoints, [$endpoint, $address];
}

# --- the floor: the same link operations for all endpoints in one ip -batch, less ip's own start ---
my $ip_start = median(map { ip_batch('') } 1 .. 3);
my $floor_up = (ip_batch(join '', map { "link add flh$_ type veth peer name flc$_\nlink set flh$_ master $bridge\nlink set flh$_ up\n" } 1 .. $n)
    - $ip_start) / $n;

# --- a request that does nothing, for what the client, the socket and HTTP cost ---
my @noop;
for (1 .. $n) { my $t0 = now(); call('/Plugin.Activate', ''); push @noop, now() - $t0 }

# --- teardown through the socket, as Docker waits for it ---
for my $e (@endpoints) {
    my ($endpoint, $address) = @$e;
    my $t0 = now();
    call('/NetworkDriver.Leave', qq({"NetworkID":"$network","EndpointID":"$endpoint"}));
    call('/NetworkDriver.DeleteEndpoint', qq({"NetworkID":"$network","EndpointID":"$endpoint"}));
    call('/IpamDriver.ReleaseAddress', qq({"PoolID":"$pool","Address":"$address"}));
    push @teardown, now() - $t0;
}
my $answered = now();
my $drained_by = $answered + 120;
while (l2vlan_links_left() > 0 && now() < $drained_by) { select undef, undef, undef, 0.05 }
my ($left, $drain) = (l2vlan_links_left(), now() - $answered);

my $floor_down = (ip_batch(join '', map { "link del flh$_\n" } 1 .. $n) - $ip_start) / $n;

call('/NetworkDriver.DeleteNetwork', qq({"NetworkID":"$network"}));
call('/IpamDriver.ReleaseAddress', qq({"PoolID":"$pool","Address":"10.77.0.1"}));
call('/IpamDriver.ReleasePool', qq({"PoolID":"$pool"}));

printf "# %d endpoints: setup median %.2f ms (floor %.2f ms), teardown median %.2f ms (floor's delete %.2f ms); ip's own start %.2f ms\n",
    $n, median(@setup) * 1000, $floor_up * 1000, median(@teardown) * 1000, $floor_down * 1000, $ip_start * 1000;
printf "# a request that does nothing (Plugin.Activate): median round trip %.2f ms; setup and teardown make three requests each\n",
    median(@noop) * 1000;
printf "# l2vlan's %d veths were gone %.0f ms after the last teardown answered (%d left)\n", $n, $drain * 1000, $left;
row("endpoint setup p50 (RequestAddress+CreateEndpoint+Join, $n via socket)", median(@setup), 'ip -batch veth+enslave+up, per endpoint', $floor_up, '1.3');
row("endpoint teardown p50 (Leave+DeleteEndpoint+ReleaseAddress, $n via socket)", median(@teardown), 'ip -batch veth delete, per link', $floor_down, '0.2');
exit($left == 0 ? 0 : 1);

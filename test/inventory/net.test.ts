import fc from "fast-check";
import { contains, containsPrefix, findOverlaps, isNetworkOrBroadcast, parsePrefix, parseRange, hostPrefix } from "../../components/inventory/net";

const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join("."));
const toInt = (a: string) => a.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);

describe("net: CIDR maths", () => {
  it("parses prefixes and rejects host bits", () => {
    expect(parsePrefix("192.168.9.0/24")).toMatchObject({ family: "ipv4", length: 24, text: "192.168.9.0/24" });
    expect(() => parsePrefix("192.168.9.1/24")).toThrow(/host bits set.*192\.168\.9\.0\/24/);
    expect(parsePrefix("2602:F674:0:1000::/64").text).toBe("2602:f674:0:1000::/64");
    expect(() => parsePrefix("not-a-prefix")).toThrow(/not a CIDR prefix/);
  });

  it("contains() agrees with integer arithmetic (property)", () => {
    fc.assert(
      fc.property(v4, fc.integer({ min: 8, max: 32 }), v4, (base, len, addr) => {
        const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
        const net = (toInt(base) & mask) >>> 0;
        const text = `${[24, 16, 8, 0].map((s) => (net >>> s) & 255).join(".")}/${len}`;
        const expected = ((toInt(addr) & mask) >>> 0) === net;
        return contains(parsePrefix(text), addr) === expected;
      }),
    );
  });

  it("the seed's orion IPv6 subnets lie outside its /48, the corrected ones inside", () => {
    const site = parsePrefix("2602:f674::/48");
    expect(containsPrefix(site, parsePrefix("2602:f674:1000::/64"))).toBe(false);
    expect(containsPrefix(site, parsePrefix("2602:f674:0:1000::/64"))).toBe(true);
  });

  it("network and broadcast addresses are detected", () => {
    const p = parsePrefix("192.168.9.0/24");
    expect(isNetworkOrBroadcast(p, "192.168.9.0")).toBe(true);
    expect(isNetworkOrBroadcast(p, "192.168.9.255")).toBe(true);
    expect(isNetworkOrBroadcast(p, "192.168.9.20")).toBe(false);
    expect(isNetworkOrBroadcast(parsePrefix("10.0.0.0/31"), "10.0.0.0")).toBe(false);
    expect(hostPrefix("2602:f674:0:1000::1")).toBe("2602:f674:0:1000::1/128");
  });

  it("findOverlaps finds exactly the overlapping pairs a brute-force check finds (property)", () => {
    const range = fc.tuple(fc.nat(200), fc.nat(50)).map(([a, w]) => parseRange(`10.0.0.${a}`, `10.0.0.${Math.min(255, a + w)}`));
    fc.assert(
      fc.property(fc.array(range, { maxLength: 12 }), (ranges) => {
        const brute = ranges.some((a, i) => ranges.some((b, j) => i < j && a.first <= b.last && b.first <= a.last));
        return findOverlaps(ranges).length > 0 === brute;
      }),
    );
  });

  it("ranges reject reversed or mixed-family bounds", () => {
    expect(() => parseRange("10.0.0.9", "10.0.0.1")).toThrow(/starts after it ends/);
    expect(() => parseRange("10.0.0.1", "::1")).toThrow(/mixes IPv4 and IPv6/);
  });
});

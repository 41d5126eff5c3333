/**
 * The policy pack checks rendered resources with the loader's pure predicates
 * (components/inventory/net.ts), not with copies of them: the CIDR, range and
 * source maths lives in one place.
 */
import * as fs from "fs";
import * as path from "path";
import { canonicalSource, isHostPrefix, rangeInPrefix, rangeTouchesNetworkOrBroadcast, parsePrefix, parseRange, sourcePrefix } from "../../components/inventory/net";

const policyDir = path.resolve(__dirname, "../../policy");
function policySources(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith(".ts")) out.push([path.relative(policyDir, full), fs.readFileSync(full, "utf8")]);
    }
  };
  walk(policyDir);
  return out;
}

describe("policy shares the loader's predicates", () => {
  // Patterns of hand-rolled address/range maths that net.ts owns.
  const copies: Array<[string, RegExp]> = [
    ["address family by ':' sniffing", /(address|addr|src|source|text)\.includes\(":"\)/i],
    ["host prefix by suffix", /endsWith\("\/(32|128)"\)/],
    ["range bounds compared by hand", /\.first\s*[<>]=?\s*\w+\.first|\.last\s*[<>]=?\s*\w+\.last/],
    ["address parsed with ipaddr.js directly", /from "ipaddr\.js"/],
  ];
  it.each(copies)("no %s in policy/", (_name, pattern) => {
    const offenders = policySources().filter(([, text]) => pattern.test(text)).map(([file]) => file);
    expect(offenders).toEqual([]);
  });

  it("every IP-plan module imports its maths from components/inventory", () => {
    for (const file of ["ipplan.ts", "mesh.ts", "safety.ts", "config.ts"]) {
      expect(fs.readFileSync(path.join(policyDir, file), "utf8")).toMatch(/from "\.\.\/components\/inventory\/net"/);
    }
  });

  it("the shared predicates", () => {
    const lan = parsePrefix("10.0.0.0/24");
    expect(rangeInPrefix(parseRange("10.0.0.200", "10.0.0.210"), lan)).toBe(true);
    expect(rangeInPrefix(parseRange("10.0.0.200", "10.0.1.5"), lan)).toBe(false);
    expect(rangeTouchesNetworkOrBroadcast(parseRange("10.0.0.250", "10.0.0.255"), lan)).toBe(true);
    expect(rangeTouchesNetworkOrBroadcast(parseRange("10.0.0.1", "10.0.0.254"), lan)).toBe(false);
    expect(rangeTouchesNetworkOrBroadcast(parseRange("10.0.0.0", "10.0.0.1"), parsePrefix("10.0.0.0/31"))).toBe(false);
    expect(isHostPrefix("10.0.0.5/32")).toBe(true);
    expect(isHostPrefix("fd00::5/128")).toBe(true);
    expect(isHostPrefix("10.0.0.0/24")).toBe(false);
    expect(isHostPrefix("nonsense/32")).toBe(false);
    expect(sourcePrefix("10.0.0.5")?.text).toBe("10.0.0.5/32");
    expect(sourcePrefix("10.0.0.5/24")?.text).toBe("10.0.0.0/24");
    expect(sourcePrefix("+dc/ipset")).toBeUndefined();
    expect(canonicalSource("FD00::0005")).toBe("fd00::5/128");
    expect(canonicalSource("10.0.0.5/32")).toBe("10.0.0.5/32");
    expect(canonicalSource("+ipset")).toBe("+ipset");
  });
});

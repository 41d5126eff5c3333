/**
 * One generic program for every stack: the five sites that had programs of their own render the
 * same resources (URNs) as recorded before the generic program replaced them
 * (test/fixtures/urns/<site>.txt). A URN that changes means Pulumi would delete and recreate the
 * resource on a deployed stack — a guest, a database — so a change here needs an alias instead.
 */
import * as fs from "fs";
import * as path from "path";
import { renderSite } from "../helpers/render";

const recorded = (site: string) => fs.readFileSync(path.join(__dirname, "../fixtures/urns", `${site}.txt`), "utf8").trim().split("\n");

describe.each(["bo", "bh", "ep", "orion", "sector7"])("%s", (site) => {
  it("renders exactly the recorded resources", async () => {
    const r = await renderSite(site);
    expect(r.resources.map((x) => x.urn).sort()).toEqual(recorded(site).sort());
  });
});

import { describe, expect, it } from "vitest";
import { parseMountPoints } from "./mounts.js";

describe("parseMountPoints", () => {
  it("reads the mount point field of mountinfo lines, unescaping spaces", () => {
    const text = [
      "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw",
      "812 790 254:1 /var/lib/isthmus-lab-interop/c1/nodes/c1-n1/cni-conf /etc/cni/net.d rw,relatime - ext4 /dev/vda1 rw",
      "813 790 0:55 / /run/with\\040space rw - tmpfs tmpfs rw",
      "",
    ].join("\n");
    expect(parseMountPoints(text)).toEqual(["/", "/etc/cni/net.d", "/run/with space"]);
  });
});

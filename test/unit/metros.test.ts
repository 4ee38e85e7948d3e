import { AWS_REGIONS, SAME_METRO_AZURE, sameMetro } from "../../components/aws/regions";
import { AZURE_REGIONS } from "../../components/azure/regions";
import { AWS_REGION_METRO, AZURE_REGION_METRO } from "../../components/metros";

describe("the same-metro table across clouds", () => {
    it("knows the metro of every AWS region and every Azure region, so no region can fall through", () => {
        expect(AWS_REGIONS.filter((r) => AWS_REGION_METRO[r] === undefined)).toEqual([]);
        expect(Object.keys(AZURE_REGIONS).filter((r) => AZURE_REGION_METRO[r] === undefined)).toEqual([]);
        expect(Object.keys(AWS_REGION_METRO).filter((r) => !(AWS_REGIONS as readonly string[]).includes(r))).toEqual([]);
        expect(Object.keys(AZURE_REGION_METRO).filter((r) => AZURE_REGIONS[r] === undefined)).toEqual([]);
    });

    it.each([
        ["ap-southeast-3", "indonesiacentral"], // Jakarta
        ["us-west-1", "westus"], // N. California, the Bay Area
        ["ap-southeast-5", "malaysiawest"], // Kuala Lumpur
        ["ap-southeast-6", "newzealandnorth"], // Auckland
        ["eu-west-3", "France Central"],
    ])("%s and %s share a metro", (aws, azure) => {
        expect(sameMetro(aws, azure)).toBe(true);
    });

    it("keeps regions of different cities apart", () => {
        expect(sameMetro("us-west-2", "westus2")).toBe(false); // Oregon, Washington
        expect(sameMetro("eu-north-1", "swedencentral")).toBe(false); // Stockholm, Gävle
        expect(SAME_METRO_AZURE["us-east-1"]).toEqual(["eastus", "eastus2"]);
    });
});

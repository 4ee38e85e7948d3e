/**
 * Azure public-cloud regions and their pairs.
 *
 * Region names are compared case- and space-insensitively: `Canada Central`, `canadacentral`
 * and `CANADA central` are one region. The pair table follows Microsoft's "Azure region pairs
 * and nonpaired regions" page (reliability/regions-paired). Pairs matter to Lifeboat because
 * GRS storage, Flexible Server geo-redundant backups and Key Vault all copy data into the
 * primary region's pair: a key vault in the pair of a backup region shares a location with
 * the backups' secondary copy.
 *
 * Some pairs are one-way (Brazil South's secondary is South Central US, whose own pair is
 * North Central US); `pairOf` returns the secondary that the given region replicates to,
 * `relatedRegions` every region that shares a pair link with it in either direction.
 *
 * A region that is new and missing here is an error in the stack config: add it below
 * (with its pair, if it has one) in the same change that first uses it.
 */

/** Programmatic name -> display name. */
export const AZURE_REGIONS: Readonly<Record<string, string>> = {
    australiacentral: "Australia Central",
    australiacentral2: "Australia Central 2",
    australiaeast: "Australia East",
    australiasoutheast: "Australia Southeast",
    austriaeast: "Austria East",
    belgiumcentral: "Belgium Central",
    brazilsouth: "Brazil South",
    brazilsoutheast: "Brazil Southeast",
    canadacentral: "Canada Central",
    canadaeast: "Canada East",
    centralindia: "Central India",
    centralus: "Central US",
    chilecentral: "Chile Central",
    eastasia: "East Asia",
    eastus: "East US",
    eastus2: "East US 2",
    francecentral: "France Central",
    francesouth: "France South",
    germanynorth: "Germany North",
    germanywestcentral: "Germany West Central",
    indonesiacentral: "Indonesia Central",
    israelcentral: "Israel Central",
    italynorth: "Italy North",
    japaneast: "Japan East",
    japanwest: "Japan West",
    jioindiacentral: "Jio India Central",
    jioindiawest: "Jio India West",
    koreacentral: "Korea Central",
    koreasouth: "Korea South",
    malaysiawest: "Malaysia West",
    mexicocentral: "Mexico Central",
    newzealandnorth: "New Zealand North",
    northcentralus: "North Central US",
    northeurope: "North Europe",
    norwayeast: "Norway East",
    norwaywest: "Norway West",
    polandcentral: "Poland Central",
    qatarcentral: "Qatar Central",
    southafricanorth: "South Africa North",
    southafricawest: "South Africa West",
    southcentralus: "South Central US",
    southindia: "South India",
    southeastasia: "Southeast Asia",
    spaincentral: "Spain Central",
    swedencentral: "Sweden Central",
    swedensouth: "Sweden South",
    switzerlandnorth: "Switzerland North",
    switzerlandwest: "Switzerland West",
    uaecentral: "UAE Central",
    uaenorth: "UAE North",
    uksouth: "UK South",
    ukwest: "UK West",
    westcentralus: "West Central US",
    westeurope: "West Europe",
    westindia: "West India",
    westus: "West US",
    westus2: "West US 2",
    westus3: "West US 3",
};

/** Region -> the secondary region its geo-redundant copies go to. Regions absent here are nonpaired. */
export const AZURE_REGION_PAIRS: Readonly<Record<string, string>> = {
    australiacentral: "australiacentral2",
    australiacentral2: "australiacentral",
    australiaeast: "australiasoutheast",
    australiasoutheast: "australiaeast",
    brazilsouth: "southcentralus",
    brazilsoutheast: "brazilsouth",
    canadacentral: "canadaeast",
    canadaeast: "canadacentral",
    centralindia: "southindia",
    centralus: "eastus2",
    eastasia: "southeastasia",
    eastus: "westus",
    eastus2: "centralus",
    francecentral: "francesouth",
    francesouth: "francecentral",
    germanynorth: "germanywestcentral",
    germanywestcentral: "germanynorth",
    japaneast: "japanwest",
    japanwest: "japaneast",
    jioindiacentral: "jioindiawest",
    jioindiawest: "jioindiacentral",
    koreacentral: "koreasouth",
    koreasouth: "koreacentral",
    northcentralus: "southcentralus",
    northeurope: "westeurope",
    norwayeast: "norwaywest",
    norwaywest: "norwayeast",
    southafricanorth: "southafricawest",
    southafricawest: "southafricanorth",
    southcentralus: "northcentralus",
    southindia: "centralindia",
    southeastasia: "eastasia",
    swedencentral: "swedensouth",
    swedensouth: "swedencentral",
    switzerlandnorth: "switzerlandwest",
    switzerlandwest: "switzerlandnorth",
    uaecentral: "uaenorth",
    uaenorth: "uaecentral",
    uksouth: "ukwest",
    ukwest: "uksouth",
    westcentralus: "westus2",
    westeurope: "northeurope",
    westindia: "southindia",
    westus: "eastus",
    westus2: "westcentralus",
    westus3: "eastus",
};

/** `Canada Central` -> `canadacentral`. Does not check that the region exists. */
export function normaliseRegion(region: string): string {
    return region.replace(/\s+/g, "").toLowerCase();
}

/** The programmatic name of a known region, or undefined. */
export function knownRegion(region: string): string | undefined {
    const name = normaliseRegion(region);
    return name in AZURE_REGIONS ? name : undefined;
}

/** The region the given region's geo-redundant copies replicate to, or undefined for a nonpaired region. */
export function pairOf(region: string): string | undefined {
    return AZURE_REGION_PAIRS[normaliseRegion(region)];
}

/** Every region linked to this one by a pair, in either direction (one-way pairs included). */
export function relatedRegions(region: string): string[] {
    const name = normaliseRegion(region);
    const related = new Set<string>();
    const forward = AZURE_REGION_PAIRS[name];
    if (forward !== undefined) {
        related.add(forward);
    }
    for (const [from, to] of Object.entries(AZURE_REGION_PAIRS)) {
        if (to === name) {
            related.add(from);
        }
    }
    return [...related].sort();
}

/** Suggest the closest known region names for an unknown one (for error messages). */
export function suggestRegions(region: string, count = 3): string[] {
    const name = normaliseRegion(region);
    return Object.keys(AZURE_REGIONS)
        .map((candidate) => ({ candidate, distance: editDistance(name, candidate) }))
        .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
        .slice(0, count)
        .map((x) => x.candidate);
}

function editDistance(a: string, b: string): number {
    const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        let diagonal = previous[0];
        previous[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const above = previous[j];
            previous[j] = Math.min(previous[j] + 1, previous[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
            diagonal = above;
        }
    }
    return previous[b.length];
}

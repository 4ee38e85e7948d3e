/**
 * The metropolitan area of every AWS and Azure region, so that a field key in one cloud and backups
 * in the other are never in the same city unnoticed (one flood, fire or power loss takes both).
 *
 * Sources: AWS, "AWS Regions and Availability Zones" (docs.aws.amazon.com/global-infrastructure,
 * each region's location name, e.g. "Asia Pacific (Jakarta)"); Azure, the `physicalLocation` of
 * each region in `az account list-locations` (metadata), e.g. indonesiacentral "Jakarta". Two
 * regions share a metro when those places are one city or one data-centre area (Northern Virginia,
 * the San Francisco Bay Area). Every region of components/aws/regions.ts and
 * components/azure/regions.ts has an entry: a unit test checks both lists, so a region added
 * there without a metro here fails.
 */
export const AWS_REGION_METRO: Readonly<Record<string, string>> = {
    "us-east-1": "northern-virginia",
    "us-east-2": "ohio",
    "us-west-1": "san-francisco-bay-area",
    "us-west-2": "oregon",
    "af-south-1": "cape-town",
    "ap-east-1": "hong-kong",
    "ap-east-2": "taipei",
    "ap-south-1": "mumbai",
    "ap-south-2": "hyderabad",
    "ap-northeast-1": "tokyo",
    "ap-northeast-2": "seoul",
    "ap-northeast-3": "osaka",
    "ap-southeast-1": "singapore",
    "ap-southeast-2": "sydney",
    "ap-southeast-3": "jakarta",
    "ap-southeast-4": "melbourne",
    "ap-southeast-5": "kuala-lumpur",
    "ap-southeast-6": "auckland",
    "ap-southeast-7": "bangkok",
    "ca-central-1": "montreal",
    "ca-west-1": "calgary",
    "eu-central-1": "frankfurt",
    "eu-central-2": "zurich",
    "eu-west-1": "dublin",
    "eu-west-2": "london",
    "eu-west-3": "paris",
    "eu-south-1": "milan",
    "eu-south-2": "aragon",
    "eu-north-1": "stockholm",
    "il-central-1": "tel-aviv",
    "me-south-1": "bahrain",
    // AWS names the country only ("Middle East (UAE)"): both Azure UAE regions count.
    "me-central-1": "uae",
    "mx-central-1": "queretaro",
    "sa-east-1": "sao-paulo",
};

export const AZURE_REGION_METRO: Readonly<Record<string, string>> = {
    australiacentral: "canberra",
    australiacentral2: "canberra",
    australiaeast: "sydney",
    australiasoutheast: "melbourne",
    austriaeast: "vienna",
    belgiumcentral: "brussels",
    brazilsouth: "sao-paulo",
    brazilsoutheast: "rio-de-janeiro",
    canadacentral: "toronto",
    canadaeast: "quebec-city",
    centralindia: "pune",
    centralus: "iowa",
    chilecentral: "santiago",
    eastasia: "hong-kong",
    eastus: "northern-virginia",
    eastus2: "northern-virginia",
    francecentral: "paris",
    francesouth: "marseille",
    germanynorth: "berlin",
    germanywestcentral: "frankfurt",
    indonesiacentral: "jakarta",
    israelcentral: "tel-aviv",
    italynorth: "milan",
    japaneast: "tokyo",
    japanwest: "osaka",
    jioindiacentral: "nagpur",
    jioindiawest: "jamnagar",
    koreacentral: "seoul",
    koreasouth: "busan",
    malaysiawest: "kuala-lumpur",
    mexicocentral: "queretaro",
    newzealandnorth: "auckland",
    northcentralus: "chicago",
    northeurope: "dublin",
    norwayeast: "oslo",
    norwaywest: "stavanger",
    polandcentral: "warsaw",
    qatarcentral: "doha",
    southafricanorth: "johannesburg",
    southafricawest: "cape-town",
    southcentralus: "san-antonio",
    southindia: "chennai",
    southeastasia: "singapore",
    spaincentral: "madrid",
    swedencentral: "gavle",
    swedensouth: "malmo",
    switzerlandnorth: "zurich",
    switzerlandwest: "geneva",
    uaecentral: "uae",
    uaenorth: "uae",
    uksouth: "london",
    ukwest: "cardiff",
    westcentralus: "wyoming",
    westeurope: "amsterdam",
    westindia: "mumbai",
    westus: "san-francisco-bay-area",
    westus2: "washington-state",
    westus3: "phoenix",
};

/** The metro of a region in either cloud (names normalised: lower case, no spaces), or undefined. */
export function metroOf(region: string): string | undefined {
    const n = region.toLowerCase().replace(/\s+/g, "");
    return AWS_REGION_METRO[n] ?? AZURE_REGION_METRO[n];
}

/** The Azure regions in the same metro as each AWS region that has any: derived from the two tables. */
export function sameMetroTable(): Record<string, string[]> {
    const table: Record<string, string[]> = {};
    for (const [aws, metro] of Object.entries(AWS_REGION_METRO)) {
        const azure = Object.entries(AZURE_REGION_METRO).filter(([, m]) => m === metro).map(([r]) => r);
        if (azure.length > 0) {
            table[aws] = azure;
        }
    }
    return table;
}

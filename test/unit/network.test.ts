import * as pulumi from "@pulumi/pulumi";
import { recordingMocks, settled } from "./mocks";

const recorder = recordingMocks();
pulumi.runtime.setMocks(recorder.mocks, "lifeboat", "unit", false, "organization");

// Loaded after setMocks, as the components create resources when constructed.
import * as azure from "../../components/azure";
import { Problems } from "../../components/validation";
import { planStack, PlanResult, PlannedResource } from "../../tools/plan";

const SERVER_ID = "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/app-pg";

function problemsOf(args: Parameters<typeof azure.validateJobNetworkArgs>[0], path = "args"): string[] {
    const problems = new Problems();
    azure.validateJobNetworkArgs(args, problems, path);
    return problems.list.map((p) => `${p.path}: got ${p.given}; ${p.allowed}`);
}

describe("CIDR helpers", () => {
    it("parse IPv4 blocks and compare them", () => {
        const space = azure.parseCidr("10.42.0.0/16");
        expect(space).toEqual({ text: "10.42.0.0/16", base: (10 << 24) + (42 << 16), prefix: 16 });
        expect(azure.parseCidr("10.42.0.0")).toBeUndefined();
        expect(azure.parseCidr("10.256.0.0/16")).toBeUndefined();
        expect(azure.parseCidr("10.42.0.0/33")).toBeUndefined();
        expect(azure.networkAddress(azure.parseCidr("10.42.1.7/24") as azure.Cidr)).toBe("10.42.1.0/24");
        expect(azure.networkAddress(azure.parseCidr("192.168.255.255/32") as azure.Cidr)).toBe("192.168.255.255/32");
        const jobs = azure.parseCidr("10.42.0.0/24") as azure.Cidr;
        const endpoints = azure.parseCidr("10.42.1.0/27") as azure.Cidr;
        expect(azure.cidrContains(space as azure.Cidr, jobs)).toBe(true);
        expect(azure.cidrContains(jobs, space as azure.Cidr)).toBe(false);
        expect(azure.cidrsOverlap(jobs, endpoints)).toBe(false);
        expect(azure.cidrsOverlap(space as azure.Cidr, endpoints)).toBe(true);
    });
});

describe("JobNetwork", () => {
    it("declares a VNet, a delegated jobs subnet with the Storage service endpoint, an endpoints subnet, the private zone and a private endpoint per server", async () => {
        const net = new azure.JobNetwork("net", { resourceGroupName: "rg", location: "westeurope", servers: [{ name: "app-pg", serverId: SERVER_ID }] });
        await settled(net.vnet, net.jobsSubnet, net.endpointsSubnet, net.dnsZone, net.dnsLink, ...net.endpoints, ...net.dnsZoneGroups);
        expect(recorder.find("azure-native:network:VirtualNetwork", "net-vnet").inputs).toMatchObject({
            resourceGroupName: "rg", virtualNetworkName: "net-vnet", location: "westeurope",
            addressSpace: { addressPrefixes: ["10.42.0.0/16"] }, tags: { "lifeboat-role": "dump-job" },
        });
        expect(recorder.find("azure-native:network:VirtualNetwork", "net-vnet").inputs.subnets).toBeUndefined();
        expect(recorder.find("azure-native:network:Subnet", "net-jobs").inputs).toMatchObject({
            resourceGroupName: "rg", virtualNetworkName: "net-vnet", subnetName: "jobs", addressPrefix: "10.42.0.0/24",
            delegations: [{ name: "container-apps", serviceName: "Microsoft.App/environments" }],
            serviceEndpoints: [{ service: "Microsoft.Storage" }],
        });
        expect(recorder.find("azure-native:network:Subnet", "net-endpoints").inputs).toMatchObject({
            resourceGroupName: "rg", virtualNetworkName: "net-vnet", subnetName: "endpoints", addressPrefix: "10.42.1.0/27",
            privateEndpointNetworkPolicies: "Disabled",
        });
        expect(recorder.find("azure-native:privatedns:PrivateZone", "net-postgres-dns").inputs).toEqual({
            resourceGroupName: "rg", privateZoneName: "privatelink.postgres.database.azure.com", location: "global", tags: { "lifeboat-role": "dump-job" },
        });
        expect(recorder.find("azure-native:privatedns:VirtualNetworkLink", "net-postgres-dns-link").inputs).toMatchObject({
            privateZoneName: "privatelink.postgres.database.azure.com", virtualNetworkLinkName: "net-vnet", location: "global",
            virtualNetwork: { id: "net-vnet-id" }, registrationEnabled: false,
        });
        expect(recorder.find("azure-native:network:PrivateEndpoint", "net-pe-app-pg").inputs).toMatchObject({
            resourceGroupName: "rg", location: "westeurope", privateEndpointName: "app-pg-pe", customNetworkInterfaceName: "app-pg-pe-nic",
            subnet: { id: "net-endpoints-id" },
            privateLinkServiceConnections: [{ name: "app-pg-postgres", privateLinkServiceId: SERVER_ID, groupIds: ["postgresqlServer"] }],
            tags: { "lifeboat-role": "dump-job" },
        });
        expect(recorder.find("azure-native:network:PrivateDnsZoneGroup", "net-pe-app-pg-dns").inputs).toEqual({
            resourceGroupName: "rg", privateEndpointName: "app-pg-pe", privateDnsZoneGroupName: "default",
            privateDnsZoneConfigs: [{ name: "postgres", privateDnsZoneId: "net-postgres-dns-id" }],
        });
        expect(net.ready).toEqual([net.dnsLink, net.endpoints[0], net.dnsZoneGroups[0]]);
    });

    it("takes its own address plan and VNet name", async () => {
        const net = new azure.JobNetwork("custom", {
            resourceGroupName: "rg", location: "northeurope", virtualNetworkName: "lifeboat-jobs",
            addressSpace: "192.168.0.0/22", jobsSubnet: "192.168.0.0/27", endpointsSubnet: "192.168.1.0/29",
        });
        await settled(net.vnet, net.jobsSubnet, net.endpointsSubnet);
        expect(recorder.find("azure-native:network:VirtualNetwork", "custom-vnet").inputs).toMatchObject({ virtualNetworkName: "lifeboat-jobs", location: "northeurope", addressSpace: { addressPrefixes: ["192.168.0.0/22"] } });
        expect(recorder.find("azure-native:network:Subnet", "custom-jobs").inputs).toMatchObject({ virtualNetworkName: "lifeboat-jobs", addressPrefix: "192.168.0.0/27" });
        expect(recorder.find("azure-native:network:Subnet", "custom-endpoints").inputs).toMatchObject({ addressPrefix: "192.168.1.0/29" });
        expect(net.endpoints).toEqual([]);
    });

    it("validates the address plan before declaring anything, naming each argument, value and what is allowed", () => {
        expect(problemsOf({})).toEqual([]);
        expect(problemsOf({ addressSpace: "10.42.0/16", jobsSubnet: "10.42.0.1/24", endpointsSubnet: "10.42.1.0/33" })).toEqual([
            "args.addressSpace: got \"10.42.0/16\"; allowed: an IPv4 CIDR block such as 10.42.0.0/16",
            "args.jobsSubnet: got \"10.42.0.1/24\"; allowed: the block's network address, 10.42.0.0/24 (Azure refuses host bits after the prefix)",
            "args.endpointsSubnet: got \"10.42.1.0/33\"; allowed: an IPv4 CIDR block such as 10.42.1.0/27",
        ]);
        expect(problemsOf({ jobsSubnet: "10.42.0.0/28" }, "lifeboat:network")).toEqual([
            "lifeboat:network.jobsSubnet: got \"10.42.0.0/28\"; allowed: a prefix from /8 to /27 (a workload profiles Container Apps environment needs at least a /27)",
        ]);
        expect(problemsOf({ jobsSubnet: "10.43.0.0/24", endpointsSubnet: "10.42.0.16/28" })).toEqual([
            "args.jobsSubnet: got \"10.43.0.0/24\"; allowed: a block inside addressSpace 10.42.0.0/16",
        ]);
        expect(problemsOf({ endpointsSubnet: "10.42.0.128/27" })).toEqual([
            "args.endpointsSubnet: got \"10.42.0.128/27\"; allowed: a block apart from jobsSubnet 10.42.0.0/24 (the Container Apps subnet is dedicated to the environment)",
        ]);
        expect(problemsOf({ addressSpace: "172.16.0.0/12", jobsSubnet: "172.31.0.0/24", endpointsSubnet: "172.16.1.0/27" })).toEqual([
            "args.jobsSubnet: got \"172.31.0.0/24\"; allowed: a block clear of the ranges Container Apps reserves (it overlaps 172.31.0.0/16), e.g. in 10.0.0.0/8",
        ]);
        expect(problemsOf({ addressSpace: "10.42.0.0/27" })).toEqual([
            "args.addressSpace: got \"10.42.0.0/27\"; allowed: a prefix from /8 to /26 (room for a /27 jobs subnet and an endpoints subnet)",
            "args.jobsSubnet: got \"10.42.0.0/24\"; allowed: a block inside addressSpace 10.42.0.0/27",
            "args.endpointsSubnet: got \"10.42.1.0/27\"; allowed: a block inside addressSpace 10.42.0.0/27",
        ]);
        const servers = ["a", "b", "c", "d"].map((name) => ({ name, serverId: "" }));
        expect(problemsOf({ endpointsSubnet: "10.42.1.0/29", servers })).toEqual([
            "args.endpointsSubnet: got \"10.42.1.0/29\"; allowed: a block with an address for each of the 4 servers' private endpoints besides the 5 Azure keeps, i.e. a larger one",
        ]);
        expect(problemsOf({ endpointsSubnet: "10.42.1.0/30" })).toEqual([
            "args.endpointsSubnet: got \"10.42.1.0/30\"; allowed: a prefix from /8 to /29 (Azure's smallest subnet)",
        ]);
        expect(problemsOf({ servers: [{ name: "a", serverId: "" }, { name: "a", serverId: "" }] })).toEqual([
            "args.servers[1].name: got \"a\"; allowed: each server once",
        ]);
    });

    it("refuses a bad address plan with one error listing every problem", () => {
        expect(() => new azure.JobNetwork("bad-net", { resourceGroupName: "rg", location: "westeurope", jobsSubnet: "10.42.0.0/28", endpointsSubnet: "10.42.0.0/27" })).toThrow([
            "JobNetwork bad-net: 2 invalid values:",
            "  args.jobsSubnet: got \"10.42.0.0/28\"; allowed: a prefix from /8 to /27 (a workload profiles Container Apps environment needs at least a /27)",
            "  args.endpointsSubnet: got \"10.42.0.0/27\"; allowed: a block apart from jobsSubnet 10.42.0.0/28 (the Container Apps subnet is dedicated to the environment)",
        ].join("\n"));
    });
});

describe("JobEnvironment in a VNet, and the backup account's firewall", () => {
    it("joins the jobs subnet as an internal workload profiles environment on the Consumption profile", async () => {
        const env = new azure.JobEnvironment("vnet-jobs", {
            resourceGroupName: "rg", location: "westeurope", subscriptionId: "sub-1", backupContainerIds: ["/container/id"],
            network: { infrastructureSubnetId: "/subnets/jobs" },
        });
        await settled(env.environment);
        const inputs = recorder.find("azure-native:app:ManagedEnvironment", "vnet-jobs-env").inputs;
        expect(inputs.vnetConfiguration).toEqual({ infrastructureSubnetId: "/subnets/jobs", internal: true });
        expect(inputs.workloadProfiles).toEqual([{ name: "Consumption", workloadProfileType: "Consumption" }]);
    });

    it("keeps the Microsoft-managed network without one", async () => {
        const env = new azure.JobEnvironment("plain-jobs", { resourceGroupName: "rg", location: "westeurope", subscriptionId: "sub-1", backupContainerIds: ["/container/id"] });
        await settled(env.environment);
        const inputs = recorder.find("azure-native:app:ManagedEnvironment", "plain-jobs-env").inputs;
        expect([inputs.vnetConfiguration, inputs.workloadProfiles]).toEqual([undefined, undefined]);
    });

    it("denies every network but the allowed subnets and trusted services when subnets are given, and allows all otherwise", () => {
        const base = { resourceGroupName: "rg", accountName: "lbacct", location: "westeurope" };
        expect(azure.storageAccountInputs({ ...base, allowedSubnetIds: ["/subnets/jobs"] }).networkRuleSet).toEqual({
            defaultAction: "Deny", bypass: "AzureServices", virtualNetworkRules: [{ virtualNetworkResourceId: "/subnets/jobs", action: "Allow" }],
        });
        expect(azure.storageAccountInputs({ ...base, allowedSubnetIds: [] }).networkRuleSet).toEqual({ defaultAction: "Deny", bypass: "AzureServices", virtualNetworkRules: [] });
        expect(azure.storageAccountInputs(base).networkRuleSet).toEqual({ defaultAction: "Allow", bypass: "AzureServices" });
    });
});

// ---------------------------------------------------------------- the shipped stacks' plans

function byType(result: PlanResult, type: string): PlannedResource[] {
    return result.resources.filter((r) => r.type === type);
}

function one(result: PlanResult, type: string, name: string): PlannedResource {
    const found = result.resources.find((r) => r.type === type && r.name === name);
    if (found === undefined) {
        throw new Error(`no ${type} ${name} in the plan of ${result.stack}`);
    }
    return found;
}

// dr uses 10.43/16 so that it can be peered with prod's 10.42/16.
describe.each([["dev", 42], ["prod", 42], ["dr", 43]])("the shipped %s stack's private network", (stack, octet) => {
    let result: PlanResult;
    beforeAll(async () => {
        result = await planStack({ stack });
    });

    it("declares the VNet, both subnets, the private DNS zone and its link, and a private endpoint with a DNS zone group per server", () => {
        expect(result.configErrors).toEqual([]);
        expect(result.error).toBeUndefined();
        const storageLocation = byType(result, "azure-native:storage:StorageAccount")[0].props.location;
        const vnet = one(result, "azure-native:network:VirtualNetwork", "jobs-network-vnet");
        expect(vnet.props).toMatchObject({ location: storageLocation, addressSpace: { addressPrefixes: [`10.${octet}.0.0/16`] } });
        expect(byType(result, "azure-native:network:Subnet").map((s) => [s.name, s.props.addressPrefix, s.props.delegations, s.props.serviceEndpoints])).toEqual([
            ["jobs-network-jobs", `10.${octet}.0.0/24`, [{ name: "container-apps", serviceName: "Microsoft.App/environments" }], [{ service: "Microsoft.Storage" }]],
            ["jobs-network-endpoints", `10.${octet}.1.0/27`, undefined, undefined],
        ]);
        expect(byType(result, "azure-native:privatedns:PrivateZone").map((z) => z.props.privateZoneName)).toEqual(["privatelink.postgres.database.azure.com"]);
        expect(one(result, "azure-native:privatedns:VirtualNetworkLink", "jobs-network-postgres-dns-link").props.virtualNetwork).toEqual({ id: "jobs-network-vnet-id" });
        const servers = byType(result, "azure-native:dbforpostgresql:Server");
        const endpoints = byType(result, "azure-native:network:PrivateEndpoint");
        expect(endpoints.map((e) => e.name)).toEqual(servers.map((s) => `jobs-network-pe-${s.props.serverName}`));
        for (const [i, endpoint] of endpoints.entries()) {
            expect(endpoint.props).toMatchObject({
                location: storageLocation,
                subnet: { id: "jobs-network-endpoints-id" },
                privateLinkServiceConnections: [{ privateLinkServiceId: `${servers[i].name}-id`, groupIds: ["postgresqlServer"] }],
            });
        }
        expect(byType(result, "azure-native:network:PrivateDnsZoneGroup").map((g) => [g.props.privateEndpointName, g.props.privateDnsZoneConfigs])).toEqual(
            servers.map((s) => [`${s.props.serverName}-pe`, [{ name: "postgres", privateDnsZoneId: "jobs-network-postgres-dns-id" }]]),
        );
        // Every location is a literal, for the policies.
        for (const r of result.resources.filter((x) => x.custom && x.props.location !== undefined)) {
            expect([r.name, typeof r.props.location]).toEqual([r.name, "string"]);
        }
    });

    it("puts the environment in the jobs subnet, after the endpoints and their DNS records", () => {
        const env = one(result, "azure-native:app:ManagedEnvironment", "jobs-env");
        expect(env.props.vnetConfiguration).toEqual({ infrastructureSubnetId: "jobs-network-jobs-id", internal: true });
        expect(env.props.workloadProfiles).toEqual([{ name: "Consumption", workloadProfileType: "Consumption" }]);
        const needed = [...byType(result, "azure-native:network:PrivateEndpoint"), ...byType(result, "azure-native:network:PrivateDnsZoneGroup"), ...byType(result, "azure-native:privatedns:VirtualNetworkLink")];
        expect(needed.length).toBeGreaterThanOrEqual(3);
        for (const r of needed) {
            expect([r.name, env.opts.dependencies.includes(r.urn)]).toEqual([r.name, true]);
        }
        // Every job runs in that environment.
        for (const job of byType(result, "azure-native:app:Job")) {
            expect([job.name, job.opts.propertyDependencies.environmentId]).toEqual([job.name, [env.urn]]);
        }
    });

    it("closes the backup account to every network but the jobs subnet and trusted services", () => {
        const account = byType(result, "azure-native:storage:StorageAccount")[0];
        expect(account.props.networkRuleSet).toEqual({
            defaultAction: "Deny", bypass: "AzureServices",
            virtualNetworkRules: [{ virtualNetworkResourceId: "jobs-network-jobs-id", action: "Allow" }],
        });
        expect(result.policies.find((p) => p.policy === "storage-network-default-deny")).toMatchObject({ violations: 0 });
        expect(result.outputs.network).toEqual({ addressSpace: `10.${octet}.0.0/16`, jobsSubnet: `10.${octet}.0.0/24`, endpointsSubnet: `10.${octet}.1.0/27` });
    });
});

describe("the private network in plans", () => {
    it("leaves prod with no policy violation at all", async () => {
        const result = await planStack({ stack: "prod" });
        expect(result.exitCode).toBe(0);
        expect(result.verdicts).toEqual([]);
    });

    it("takes lifeboat:network's addresses", async () => {
        const result = await planStack({ stack: "dev", config: { network: { addressSpace: "10.80.0.0/20", jobsSubnet: "10.80.0.0/23", endpointsSubnet: "10.80.2.0/28" } } });
        expect(result.configErrors).toEqual([]);
        expect(byType(result, "azure-native:network:Subnet").map((s) => s.props.addressPrefix)).toEqual(["10.80.0.0/23", "10.80.2.0/28"]);
        expect(one(result, "azure-native:network:VirtualNetwork", "jobs-network-vnet").props.addressSpace).toEqual({ addressPrefixes: ["10.80.0.0/20"] });
    });

    it("gives every server its own private endpoint and DNS record", async () => {
        const server = { location: "westeurope", sku: "Standard_B2s", storageSizeGb: 32, backupRetentionDays: 14, databases: ["main"] };
        const result = await planStack({ stack: "dev", config: { servers: [{ ...server, name: "casework-dev-pg" }, { ...server, name: "reports-dev-pg" }] } });
        expect(result.configErrors).toEqual([]);
        expect(byType(result, "azure-native:network:PrivateEndpoint").map((e) => [e.name, e.props.privateEndpointName])).toEqual([
            ["jobs-network-pe-casework-dev-pg", "casework-dev-pg-pe"],
            ["jobs-network-pe-reports-dev-pg", "reports-dev-pg-pe"],
        ]);
        expect(byType(result, "azure-native:network:PrivateDnsZoneGroup").map((g) => g.name)).toEqual(["jobs-network-pe-casework-dev-pg-dns", "jobs-network-pe-reports-dev-pg-dns"]);
        expect(byType(result, "azure-native:privatedns:PrivateZone")).toHaveLength(1);
    });

    it.each<[string, Record<string, unknown>, string[]]>([
        ["a jobs subnet below /27", { network: { jobsSubnet: "10.42.0.0/28" } }, [
            "lifeboat:network.jobsSubnet: got \"10.42.0.0/28\"; allowed: a prefix from /8 to /27 (a workload profiles Container Apps environment needs at least a /27)",
        ]],
        ["an endpoints subnet outside the address space", { network: { addressSpace: "10.42.0.0/16", jobsSubnet: "10.42.0.0/24", endpointsSubnet: "10.43.0.0/24" } }, [
            "lifeboat:network.endpointsSubnet: got \"10.43.0.0/24\"; allowed: a block inside addressSpace 10.42.0.0/16",
        ]],
        ["a misspelt key", { network: { jobSubnet: "10.42.0.0/24" } }, [
            "lifeboat:network.jobSubnet: got an unknown key; remove it or fix its spelling; known keys here: addressSpace, jobsSubnet, endpointsSubnet",
        ]],
        ["not a string", { network: { addressSpace: 10 } }, [
            "lifeboat:network.addressSpace: got 10; allowed: a string",
        ]],
    ])("refuses %s before declaring anything", async (_what, config, errors) => {
        const result = await planStack({ stack: "dev", config });
        expect(result.exitCode).toBe(1);
        expect(result.configErrors).toEqual(errors);
        expect(result.resources.filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
    });

    it("refuses lifeboat:network on aws", async () => {
        const result = await planStack({ stack: "aws", config: { network: { addressSpace: "10.42.0.0/16" } } });
        expect(result.exitCode).toBe(1);
        expect(result.configErrors).toContain("lifeboat:network: got {\"addressSpace\":\"10.42.0.0/16\"}; allowed: only with target azure (on aws the tasks use the region's default VPC); remove it");
    });
});

import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import { ROLE_TAG, ROLES } from "../roles";
import { Problems } from "../validation";
import { parsePrivateDnsZoneId, parseSubnetId, PostgresServerVnetIntegration } from "./postgresServer";

/** The private DNS zone of Flexible Server private endpoints (Azure's documented name for PostgreSQL). */
export const POSTGRES_PRIVATE_DNS_ZONE = "privatelink.postgres.database.azure.com";
/** The private link sub-resource (group ID) of a PostgreSQL Flexible Server. */
export const POSTGRES_GROUP_ID = "postgresqlServer";
/** The delegation a workload profiles Container Apps environment needs on its subnet. */
export const CONTAINER_APPS_DELEGATION = "Microsoft.App/environments";

export const DEFAULT_ADDRESS_SPACE = "10.42.0.0/16";
export const DEFAULT_JOBS_SUBNET = "10.42.0.0/24";
export const DEFAULT_ENDPOINTS_SUBNET = "10.42.1.0/27";
/** Smallest subnet a workload profiles environment accepts (Container Apps documents /27). */
export const MIN_JOBS_SUBNET_PREFIX = 27;
/** Smallest subnet Azure creates. */
export const MIN_SUBNET_PREFIX = 29;
/** Addresses Azure keeps in every subnet (network, broadcast, gateway, two for DNS). */
const AZURE_RESERVED_PER_SUBNET = 5;
/**
 * Ranges a workload profiles Container Apps environment's subnet must not overlap: reserved by the
 * AKS it runs on, and by the workload profiles platform. Checked for the endpoints subnet too, as
 * the jobs must route to it from inside the environment.
 */
export const CONTAINER_APPS_RESERVED_RANGES = [
    "169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16", "192.0.2.0/24",
    "100.100.0.0/17", "100.100.128.0/19", "100.100.160.0/19", "100.100.192.0/19",
] as const;

/** A server the jobs reach through a private endpoint, or through its own VNet when it is VNet-integrated. */
export interface JobNetworkServer {
    /** The server's name (a literal): names the endpoint, its interface and its DNS zone group. */
    name: string;
    /** The Flexible Server's ARM ID (an output of the server). */
    serverId: pulumi.Input<string>;
    /**
     * The server is integrated into its own VNet (an adopted server's `network`), which takes no
     * private endpoint: the jobs' VNet is peered with the server's (both directions) and linked to
     * the server's private DNS zone instead. The two address spaces must not overlap.
     * @default undefined (a private endpoint)
     */
    vnetIntegration?: PostgresServerVnetIntegration;
}

export interface JobNetworkArgs {
    resourceGroupName: pulumi.Input<string>;
    /** The jobs' region, a literal: the VNet, its subnets and the private endpoints live there. */
    location: string;
    /** Name of the virtual network. @default "<component name>-vnet" */
    virtualNetworkName?: string;
    /** The VNet's address space (IPv4 CIDR). @default "10.42.0.0/16" */
    addressSpace?: string;
    /**
     * The Container Apps environment's subnet, dedicated to it and delegated to
     * Microsoft.App/environments: /27 or larger (it cannot be resized once the environment exists).
     * @default "10.42.0.0/24"
     */
    jobsSubnet?: string;
    /** The private endpoints' subnet: one address per server, plus Azure's five. @default "10.42.1.0/27" */
    endpointsSubnet?: string;
    /** Servers to reach privately: one private endpoint and DNS zone group each. @default [] */
    servers?: JobNetworkServer[];
    /** Extra tags for the resources it declares (Lifeboat adds its own role tags). @default {} */
    tags?: Record<string, string>;
}

/** An IPv4 block: its text, first address as an unsigned 32-bit number, and prefix length. */
export interface Cidr {
    text: string;
    base: number;
    prefix: number;
}

/** Parses "a.b.c.d/n"; undefined when it is not a well-formed IPv4 CIDR. */
export function parseCidr(text: string): Cidr | undefined {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
    if (m === null) {
        return undefined;
    }
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some((o) => o > 255) || prefix > 32) {
        return undefined;
    }
    const base = ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
    return { text, base, prefix };
}

function size(c: Cidr): number {
    return 2 ** (32 - c.prefix);
}

/** The block's network address: the base with the host bits cleared. */
export function networkAddress(c: Cidr): string {
    const base = c.base - (c.base % size(c));
    return `${[24, 16, 8, 0].map((s) => (base >>> s) & 255).join(".")}/${c.prefix}`;
}

export function cidrContains(outer: Cidr, inner: Cidr): boolean {
    return inner.prefix >= outer.prefix && inner.base >= outer.base && inner.base + size(inner) <= outer.base + size(outer);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
    return a.base < b.base + size(b) && b.base < a.base + size(a);
}

/** The address plan with defaults applied. */
export function jobNetworkCidrs(args: Pick<JobNetworkArgs, "addressSpace" | "jobsSubnet" | "endpointsSubnet">): { addressSpace: string; jobsSubnet: string; endpointsSubnet: string } {
    return {
        addressSpace: args.addressSpace ?? DEFAULT_ADDRESS_SPACE,
        jobsSubnet: args.jobsSubnet ?? DEFAULT_JOBS_SUBNET,
        endpointsSubnet: args.endpointsSubnet ?? DEFAULT_ENDPOINTS_SUBNET,
    };
}

/**
 * Checks the address plan: well-formed IPv4 blocks written as their network address, subnets
 * inside the address space and apart, the jobs subnet at least /27, room in the endpoints subnet
 * for every server, nothing on Container Apps' reserved ranges. `path` names the arguments
 * (e.g. `lifeboat:network`), whose keys are addressSpace, jobsSubnet and endpointsSubnet.
 */
export function validateJobNetworkArgs(args: Pick<JobNetworkArgs, "addressSpace" | "jobsSubnet" | "endpointsSubnet" | "servers">, problems: Problems, path = "args"): void {
    const given = jobNetworkCidrs(args);
    const parsed: Partial<Record<keyof typeof given, Cidr>> = {};
    for (const key of ["addressSpace", "jobsSubnet", "endpointsSubnet"] as const) {
        const text = given[key];
        const c = typeof text === "string" ? parseCidr(text) : undefined;
        if (c === undefined) {
            problems.add(`${path}.${key}`, text, `allowed: an IPv4 CIDR block such as ${jobNetworkCidrs({})[key]}`);
        } else if (networkAddress(c) !== c.text) {
            problems.add(`${path}.${key}`, text, `allowed: the block's network address, ${networkAddress(c)} (Azure refuses host bits after the prefix)`);
        } else {
            parsed[key] = c;
        }
    }
    const { addressSpace, jobsSubnet, endpointsSubnet } = parsed;
    if (addressSpace !== undefined && (addressSpace.prefix < 8 || addressSpace.prefix > 26)) {
        problems.add(`${path}.addressSpace`, addressSpace.text, "allowed: a prefix from /8 to /26 (room for a /27 jobs subnet and an endpoints subnet)");
    }
    if (jobsSubnet !== undefined && (jobsSubnet.prefix < 8 || jobsSubnet.prefix > MIN_JOBS_SUBNET_PREFIX)) {
        problems.add(`${path}.jobsSubnet`, jobsSubnet.text, `allowed: a prefix from /8 to /${MIN_JOBS_SUBNET_PREFIX} (a workload profiles Container Apps environment needs at least a /${MIN_JOBS_SUBNET_PREFIX})`);
    }
    if (endpointsSubnet !== undefined) {
        const servers = args.servers?.length ?? 0;
        if (endpointsSubnet.prefix < 8 || endpointsSubnet.prefix > MIN_SUBNET_PREFIX) {
            problems.add(`${path}.endpointsSubnet`, endpointsSubnet.text, `allowed: a prefix from /8 to /${MIN_SUBNET_PREFIX} (Azure's smallest subnet)`);
        } else if (size(endpointsSubnet) - AZURE_RESERVED_PER_SUBNET < servers) {
            problems.add(`${path}.endpointsSubnet`, endpointsSubnet.text, `allowed: a block with an address for each of the ${servers} servers' private endpoints besides the ${AZURE_RESERVED_PER_SUBNET} Azure keeps, i.e. a larger one`);
        }
    }
    for (const key of ["jobsSubnet", "endpointsSubnet"] as const) {
        const subnet = parsed[key];
        if (subnet === undefined) {
            continue;
        }
        if (addressSpace !== undefined && !cidrContains(addressSpace, subnet)) {
            problems.add(`${path}.${key}`, subnet.text, `allowed: a block inside addressSpace ${addressSpace.text}`);
        }
        const reserved = CONTAINER_APPS_RESERVED_RANGES.filter((r) => cidrsOverlap(subnet, parseCidr(r) as Cidr));
        if (reserved.length > 0) {
            problems.add(`${path}.${key}`, subnet.text, `allowed: a block clear of the ranges Container Apps reserves (it overlaps ${reserved.join(", ")}), e.g. in 10.0.0.0/8`);
        }
    }
    if (jobsSubnet !== undefined && endpointsSubnet !== undefined && cidrsOverlap(jobsSubnet, endpointsSubnet)) {
        problems.add(`${path}.endpointsSubnet`, endpointsSubnet.text, `allowed: a block apart from jobsSubnet ${jobsSubnet.text} (the Container Apps subnet is dedicated to the environment)`);
    }
    const names = (args.servers ?? []).map((s) => s.name);
    names.forEach((n, i) => {
        if (names.indexOf(n) !== i) {
            problems.add(`${path}.servers[${i}].name`, n, "allowed: each server once");
        }
    });
}

/** The Container Apps subnet: delegated to Microsoft.App/environments, with the Storage service endpoint for the backup account's firewall. */
export function jobsSubnetInputs(args: JobNetworkArgs, virtualNetworkName: string): network.SubnetArgs {
    return {
        resourceGroupName: args.resourceGroupName,
        virtualNetworkName,
        subnetName: "jobs",
        addressPrefix: jobNetworkCidrs(args).jobsSubnet,
        delegations: [{ name: "container-apps", serviceName: CONTAINER_APPS_DELEGATION }],
        // Azure fills in the locations: the VNet's region and its pair, where the account lives.
        serviceEndpoints: [{ service: "Microsoft.Storage" }],
    };
}

export function endpointsSubnetInputs(args: JobNetworkArgs, virtualNetworkName: string): network.SubnetArgs {
    return {
        resourceGroupName: args.resourceGroupName,
        virtualNetworkName,
        subnetName: "endpoints",
        addressPrefix: jobNetworkCidrs(args).endpointsSubnet,
        privateEndpointNetworkPolicies: "Disabled",
    };
}

/** A server's private endpoint: a NIC in the endpoints subnet connected to the server's `postgresqlServer` sub-resource. */
export function postgresEndpointInputs(args: JobNetworkArgs, server: JobNetworkServer, subnetId: pulumi.Input<string>, tags: Record<string, string>): network.PrivateEndpointArgs {
    return {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        privateEndpointName: `${server.name}-pe`,
        customNetworkInterfaceName: `${server.name}-pe-nic`,
        subnet: { id: subnetId },
        privateLinkServiceConnections: [{
            name: `${server.name}-postgres`,
            privateLinkServiceId: server.serverId,
            groupIds: [POSTGRES_GROUP_ID],
        }],
        tags,
    };
}

/**
 * Reaches a VNet-integrated server: a peering from the jobs' VNet to the server's and back (a
 * peering carries traffic only once both sides exist), and a link from the server's private DNS
 * zone to the jobs' VNet, so that its FQDN resolves to its private address there.
 */
export function declareVnetIntegratedReach(name: string, server: JobNetworkServer, integration: PostgresServerVnetIntegration, vnet: network.VirtualNetwork, resourceGroupName: pulumi.Input<string>, vnetName: string, tags: Record<string, string>, parent: pulumi.Resource): pulumi.Resource[] {
    // validatePostgresServerArgs checked both IDs.
    const remote = parseSubnetId(integration.delegatedSubnetResourceId) as NonNullable<ReturnType<typeof parseSubnetId>>;
    const zone = parsePrivateDnsZoneId(integration.privateDnsZoneArmResourceId) as NonNullable<ReturnType<typeof parsePrivateDnsZoneId>>;
    const out = new network.VirtualNetworkPeering(`${name}-peer-${server.name}`, {
        resourceGroupName,
        virtualNetworkName: vnetName,
        virtualNetworkPeeringName: `to-${remote.vnetName}`,
        remoteVirtualNetwork: { id: remote.vnetId },
        allowVirtualNetworkAccess: true,
    }, { parent, dependsOn: [vnet] });
    const back = new network.VirtualNetworkPeering(`${name}-peer-${server.name}-back`, {
        resourceGroupName: remote.resourceGroupName,
        virtualNetworkName: remote.vnetName,
        virtualNetworkPeeringName: `to-${vnetName}`,
        remoteVirtualNetwork: { id: vnet.id },
        allowVirtualNetworkAccess: true,
    }, { parent });
    const link = new privatedns.VirtualNetworkLink(`${name}-dns-${server.name}`, {
        resourceGroupName: zone.resourceGroupName,
        privateZoneName: zone.zoneName,
        virtualNetworkLinkName: vnetName,
        location: "global",
        virtualNetwork: { id: vnet.id },
        registrationEnabled: false,
        tags,
    }, { parent });
    return [out, back, link];
}

/** Declares one server's endpoint and the zone group that writes its A record into the private zone. */
export function declarePostgresEndpoint(name: string, args: JobNetworkArgs, server: JobNetworkServer, subnet: network.Subnet, zone: privatedns.PrivateZone, tags: Record<string, string>, parent: pulumi.Resource): { endpoint: network.PrivateEndpoint; zoneGroup: network.PrivateDnsZoneGroup } {
    const endpoint = new network.PrivateEndpoint(`${name}-pe-${server.name}`, postgresEndpointInputs(args, server, subnet.id, tags), { parent });
    const zoneGroup = new network.PrivateDnsZoneGroup(`${name}-pe-${server.name}-dns`, {
        resourceGroupName: args.resourceGroupName,
        // The literal name, with an explicit dependency: the endpoint must exist first.
        privateEndpointName: `${server.name}-pe`,
        privateDnsZoneGroupName: "default",
        privateDnsZoneConfigs: [{ name: "postgres", privateDnsZoneId: zone.id }],
    }, { parent, dependsOn: [endpoint] });
    return { endpoint, zoneGroup };
}

/**
 * The jobs' private network: a VNet in their region with a subnet for the Container Apps
 * environment (delegated, with the Storage service endpoint that the backup account's firewall
 * admits) and one for private endpoints, the private DNS zone of Flexible Servers linked to the
 * VNet, and per server a private endpoint with its DNS zone group, so that the server's FQDN
 * resolves to the endpoint's private address inside the VNet.
 */
export class JobNetwork extends pulumi.ComponentResource {
    public readonly vnet: network.VirtualNetwork;
    public readonly jobsSubnet: network.Subnet;
    public readonly endpointsSubnet: network.Subnet;
    public readonly dnsZone: privatedns.PrivateZone;
    public readonly dnsLink: privatedns.VirtualNetworkLink;
    public readonly endpoints: network.PrivateEndpoint[];
    public readonly dnsZoneGroups: network.PrivateDnsZoneGroup[];
    /** Per VNet-integrated server: the two peerings and the link of its DNS zone (declareVnetIntegratedReach). */
    public readonly vnetReach: pulumi.Resource[];
    /** What a job needs before its first run: the zone's link to the VNet, every endpoint and its DNS record. */
    public readonly ready: pulumi.Resource[];
    public readonly location: string;

    constructor(name: string, args: JobNetworkArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("lifeboat:azure:JobNetwork", name, {}, opts);
        const problems = new Problems();
        validateJobNetworkArgs(args, problems);
        problems.throwIfAny(`JobNetwork ${name}`);

        this.location = args.location;
        const tags = { ...args.tags, [ROLE_TAG]: ROLES.dumpJob };
        const vnetName = args.virtualNetworkName ?? `${name}-vnet`;
        // Subnets are separate resources and the VNet declares none inline: mixing both makes
        // each update of one delete the other's.
        this.vnet = new network.VirtualNetwork(`${name}-vnet`, {
            resourceGroupName: args.resourceGroupName,
            virtualNetworkName: vnetName,
            location: args.location,
            addressSpace: { addressPrefixes: [jobNetworkCidrs(args).addressSpace] },
            tags,
        }, { parent: this });
        const inVnet = { parent: this, dependsOn: [this.vnet] };
        this.jobsSubnet = new network.Subnet(`${name}-jobs`, jobsSubnetInputs(args, vnetName), inVnet);
        // One subnet operation at a time on a VNet: Azure answers AnotherOperationInProgress otherwise.
        this.endpointsSubnet = new network.Subnet(`${name}-endpoints`, endpointsSubnetInputs(args, vnetName), { parent: this, dependsOn: [this.vnet, this.jobsSubnet] });
        this.dnsZone = new privatedns.PrivateZone(`${name}-postgres-dns`, {
            resourceGroupName: args.resourceGroupName,
            privateZoneName: POSTGRES_PRIVATE_DNS_ZONE,
            location: "global",
            tags,
        }, { parent: this });
        this.dnsLink = new privatedns.VirtualNetworkLink(`${name}-postgres-dns-link`, {
            resourceGroupName: args.resourceGroupName,
            privateZoneName: POSTGRES_PRIVATE_DNS_ZONE,
            virtualNetworkLinkName: vnetName,
            location: "global",
            virtualNetwork: { id: this.vnet.id },
            registrationEnabled: false,
            tags,
        }, { parent: this, dependsOn: [this.dnsZone] });
        const servers = args.servers ?? [];
        const declared = servers.filter((s) => s.vnetIntegration === undefined).map((server) => declarePostgresEndpoint(name, args, server, this.endpointsSubnet, this.dnsZone, tags, this));
        this.endpoints = declared.map((d) => d.endpoint);
        this.dnsZoneGroups = declared.map((d) => d.zoneGroup);
        this.vnetReach = servers.flatMap((server) => server.vnetIntegration === undefined ? []
            : declareVnetIntegratedReach(name, server, server.vnetIntegration, this.vnet, args.resourceGroupName, vnetName, tags, this));
        this.ready = [this.dnsLink, ...this.endpoints, ...this.dnsZoneGroups, ...this.vnetReach];
        this.registerOutputs({ vnetId: this.vnet.id, jobsSubnetId: this.jobsSubnet.id, endpointsSubnetId: this.endpointsSubnet.id });
    }
}

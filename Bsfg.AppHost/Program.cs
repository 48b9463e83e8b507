using Bsfg.AppHost;
using Bsfg.AppHost.Publishing;
using Microsoft.Extensions.Configuration;

// The default four-zone topology: two plants, the industrial DMZ between them and the enterprise.
var builder = DistributedApplication.CreateBuilder(args);

var planta = builder.AddZone("planta");
var plantb = builder.AddZone("plantb");
var idmz = builder.AddZone("idmz");
var enterprise = builder.AddZone("enterprise")
    .WithExternalHttpEndpoints();

// The IDMZ pulls every plant's facts and the enterprise's facts.
idmz.PullsFrom(planta, ["facts.planta.>"])
    .PullsFrom(plantb, ["facts.plantb.>"])
    .PullsFrom(enterprise, ["facts.enterprise.>"]);

// The enterprise pulls plant facts from the IDMZ, never from a plant directly.
enterprise.PullsFrom(idmz, ["facts.planta.>", "facts.plantb.>"], consumer: "enterprise-plants-from-idmz");

// Each plant pulls the enterprise facts addressed to it (facts.enterprise.<kind>.<plant>.…).
planta.PullsFrom(idmz, ["facts.enterprise.*.planta.>"]);
plantb.PullsFrom(idmz, ["facts.enterprise.*.plantb.>"]);

// Realistic plant and enterprise traffic, written to every zone (run mode only; Bsfg:AppHost:Simulator=false leaves it out).
if (builder.Configuration.GetValue(Extensions.SimulatorKey, defaultValue: true))
{
    builder.AddSimulator("simulator")
        .WritesTo(planta)
        .WritesTo(plantb)
        .WritesTo(idmz)
        .WritesTo(enterprise);
}

// Publishing: the manifest (--publisher manifest) and the Kubernetes output (step publish-kubernetes).
builder.AddKubernetesPublishing();

return builder.Build().RunTopology();

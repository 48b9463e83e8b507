namespace Bsfg.AppHost.Hosting;

/// <summary>Generic resources of the model: parameters and NATS servers, shaped like Aspire's.</summary>
public static class ResourceBuilderExtensions
{
    /// <summary>Adds a parameter whose value comes from configuration <c>Parameters:&lt;name&gt;</c> (generated for secrets when absent).</summary>
    public static IResourceBuilder<ParameterResource> AddParameter(this BsfgApplicationBuilder builder, string name, bool secret = false) =>
        builder.AddResource(new ParameterResource(name, secret));

    /// <summary>Adds a NATS server with a generated password parameter <c>&lt;name&gt;-password</c> (as Aspire's <c>AddNats</c>).</summary>
    public static IResourceBuilder<NatsServerResource> AddNats(this BsfgApplicationBuilder builder, string name)
    {
        // Like Aspire's default password: referenced by the server, not added to the model, so it is listed after it.
        var password = new ParameterResource(name + "-password", secret: true);
        return builder.AddResource(new NatsServerResource(name, password));
    }

    /// <summary>Turns JetStream on (<c>-js</c>).</summary>
    public static IResourceBuilder<NatsServerResource> WithJetStream(this IResourceBuilder<NatsServerResource> nats)
    {
        nats.Resource.JetStream = true;
        return nats;
    }

    /// <summary>Keeps the JetStream store in a named volume (<c>-sd /var/lib/nats</c>).</summary>
    public static IResourceBuilder<NatsServerResource> WithDataVolume(this IResourceBuilder<NatsServerResource> nats, string? name = null)
    {
        nats.Resource.DataVolume = name ?? $"bsfg-{nats.Resource.Name}-data";
        return nats;
    }
}

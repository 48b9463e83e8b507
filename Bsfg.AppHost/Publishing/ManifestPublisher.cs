using System.Text.Encodings.Web;
using System.Text.Json;
using Bsfg.AppHost.Hosting;

namespace Bsfg.AppHost.Publishing;

/// <summary>
/// Writes the Aspire manifest (<c>aspire-8.0.json</c> schema) of the model: per zone a <c>container.v0</c> NATS server
/// exactly as <c>AddNats().WithJetStream().WithDataVolume()</c> writes it and a <c>project.v0</c> zone service; the
/// generated secrets as <c>parameter.v0</c> (with their <c>annotated.string</c> URI-encoded views). Only types azd deploys.
/// </summary>
public static class ManifestPublisher
{
    /// <summary>The manifest file name used when the output path is a directory.</summary>
    public const string FileName = "aspire-manifest.json";

    /// <summary>The schema the manifest follows.</summary>
    public const string SchemaUrl = "https://json.schemastore.org/aspire-8.0.json";

    private const string TlsDirectory = "/var/run/bsfg/tls";

    /// <summary>Aspire's rule: an output path ending in <c>.json</c> is the file, anything else a directory.</summary>
    public static string ResolvePath(string outputPath)
    {
        var full = Path.GetFullPath(outputPath);
        return full.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? full : Path.Combine(full, FileName);
    }

    /// <summary>Writes the manifest to <paramref name="manifestPath"/>, creating its directory; paths inside are relative to it.</summary>
    public static void Publish(BsfgApplicationBuilder builder, string manifestPath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(manifestPath)!);
        File.WriteAllText(manifestPath, Render(builder, manifestPath));
    }

    /// <summary>The manifest text as it would be written at <paramref name="manifestPath"/>.</summary>
    public static string Render(BsfgApplicationBuilder builder, string manifestPath)
    {
        var manifestDirectory = Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;
        var resolver = new ManifestResolver();
        var referenced = new List<ParameterResource>();
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("$schema", SchemaUrl);
            w.WriteStartObject("resources");
            var edges = builder.Resources.OfType<EdgeResource>().ToList();
            foreach (var resource in builder.Resources)
            {
                switch (resource)
                {
                    case NatsServerResource nats:
                        WriteNats(w, nats, resolver);
                        referenced.Add(nats.Password);
                        break;
                    case ZoneResource zone:
                        var project = Path.GetRelativePath(manifestDirectory, Path.Combine(builder.RootDirectory, zone.ProjectPath)).Replace('\\', '/');
                        WriteZone(w, zone, project, ZoneEnvironment.Build(zone, edges, resolver));
                        referenced.Add(zone.ProducerToken);
                        break;
                    case ParameterResource parameter:
                        WriteParameter(w, parameter, uriEncoded: false);
                        break;
                    case EdgeResource:
                        // Edges are the zones' configuration; they have no deployable of their own.
                        break;
                    case SimulatorResource:
                        // A local development tool, excluded from the manifest as Aspire's ExcludeFromManifest does.
                        break;
                    default:
                        throw new InvalidOperationException($"{resource.Name} cannot be written to the manifest.");
                }
            }

            foreach (var parameter in referenced.Distinct())
            {
                WriteParameter(w, parameter, uriEncoded: resolver.UriEncoded.Contains(parameter));
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray()).ReplaceLineEndings("\n") + "\n";
    }

    private static void WriteNats(Utf8JsonWriter w, NatsServerResource nats, ManifestResolver r)
    {
        w.WriteStartObject(nats.Name);
        w.WriteString("type", "container.v0");
        w.WriteString("connectionString", ZoneEnvironment.ConnectionString(nats, r));
        w.WriteString("image", $"{nats.Image}:{nats.Tag}");
        List<string> args = ["--user", NatsServerResource.UserName, "--pass", r.Parameter(nats.Password)];
        if (nats.JetStream)
        {
            args.Add("-js");
        }

        if (nats.DataVolume is not null)
        {
            args.AddRange(["-sd", NatsServerResource.DataTarget]);
        }

        WriteStrings(w, "args", args);
        if (nats.DataVolume is not null)
        {
            w.WriteStartArray("volumes");
            w.WriteStartObject();
            w.WriteString("name", nats.DataVolume);
            w.WriteString("target", NatsServerResource.DataTarget);
            w.WriteBoolean("readOnly", false);
            w.WriteEndObject();
            w.WriteEndArray();
        }

        w.WriteStartObject("bindings");
        WriteBinding(w, NatsServerResource.EndpointName, "tcp", "tcp", NatsServerResource.TargetPort, external: false);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteZone(Utf8JsonWriter w, ZoneResource zone, string projectPath, List<EnvironmentEntry> environment)
    {
        w.WriteStartObject(zone.Name);
        w.WriteString("type", "project.v0");
        w.WriteString("path", projectPath);
        w.WriteStartObject("env");
        foreach (var entry in environment)
        {
            w.WriteString(entry.Name, entry.Value);
        }

        w.WriteEndObject();
        w.WriteStartObject("bindings");
        WriteBinding(w, ZoneResource.EndpointName, "https", "http", ZoneResource.TargetPort, zone.External);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteBinding(Utf8JsonWriter w, string name, string scheme, string transport, int targetPort, bool external)
    {
        w.WriteStartObject(name);
        w.WriteString("scheme", scheme);
        w.WriteString("protocol", "tcp");
        w.WriteString("transport", transport);
        w.WriteNumber("targetPort", targetPort);
        if (external)
        {
            w.WriteBoolean("external", true);
        }

        w.WriteEndObject();
    }

    private static void WriteParameter(Utf8JsonWriter w, ParameterResource parameter, bool uriEncoded)
    {
        w.WriteStartObject(parameter.Name);
        w.WriteString("type", "parameter.v0");
        w.WriteString("value", $"{{{parameter.Name}.inputs.value}}");
        w.WriteStartObject("inputs");
        w.WriteStartObject("value");
        w.WriteString("type", "string");
        if (parameter.Secret)
        {
            w.WriteBoolean("secret", true);
            w.WriteStartObject("default");
            w.WriteStartObject("generate");
            w.WriteNumber("minLength", parameter.GeneratedLength);
            w.WriteBoolean("special", false);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        if (uriEncoded)
        {
            w.WriteStartObject(ManifestResolver.UriEncodedName(parameter));
            w.WriteString("type", "annotated.string");
            w.WriteString("value", $"{{{parameter.Name}.value}}");
            w.WriteString("filter", "uri");
            w.WriteEndObject();
        }
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values)
        {
            w.WriteStringValue(value);
        }

        w.WriteEndArray();
    }

    /// <summary>References as manifest expressions; remembers which parameters need a URI-encoded view.</summary>
    private sealed class ManifestResolver : IReferenceResolver
    {
        public HashSet<ParameterResource> UriEncoded { get; } = [];

        public static string UriEncodedName(ParameterResource parameter) => parameter.Name + "-uri-encoded";

        public string NatsHost(NatsServerResource nats) => $"{{{nats.Name}.bindings.{NatsServerResource.EndpointName}.host}}";

        public string NatsPort(NatsServerResource nats) => $"{{{nats.Name}.bindings.{NatsServerResource.EndpointName}.port}}";

        public string NatsConnectionString(NatsServerResource nats) => $"{{{nats.Name}.connectionString}}";

        public string Parameter(ParameterResource parameter) => $"{{{parameter.Name}.value}}";

        public string ParameterUriEncoded(ParameterResource parameter)
        {
            UriEncoded.Add(parameter);
            return $"{{{UriEncodedName(parameter)}.value}}";
        }

        public string ZoneUrl(ZoneResource source, ZoneResource receiver) => $"{{{source.Name}.bindings.{ZoneResource.EndpointName}.url}}";

        public string? HttpsPort(ZoneResource zone) => $"{{{zone.Name}.bindings.{ZoneResource.EndpointName}.targetPort}}";

        public (string Certificate, string Key, string Ca) CertificatePaths(ZoneResource zone) =>
            ($"{TlsDirectory}/tls.crt", $"{TlsDirectory}/tls.key", $"{TlsDirectory}/ca.crt");
    }
}

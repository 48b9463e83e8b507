using System.Globalization;

namespace Bsfg.AppHost.Publishing;

/// <summary>A value as a pod sees it; <see cref="Secret"/> when it carries a secret parameter (it goes to a Secret, left empty).</summary>
/// <param name="Text">The value (empty for a secret).</param>
/// <param name="Secret">Whether the value carries a secret parameter.</param>
internal readonly record struct ClusterValue(string Text, bool Secret);

/// <summary>
/// Turns the values the Aspire model hands a resource in publish mode (strings, endpoint references, connection strings,
/// parameters and reference expressions over them) into what a pod in namespace <paramref name="ns"/> sees: endpoints
/// are <c>&lt;resource&gt;-service</c> (qualified with the namespace across namespaces) on the endpoint's target port,
/// as Aspire's Kubernetes publisher names them; a secret parameter makes the whole value secret.
/// </summary>
/// <param name="ns">The namespace of the pod that reads the values.</param>
/// <param name="namespaceOf">The namespace of a resource in the model.</param>
internal sealed class ClusterValues(string ns, Func<IResource, string> namespaceOf)
{
    /// <summary>The value of one environment entry <paramref name="name"/> of <paramref name="resource"/>.</summary>
    public ClusterValue Resolve(object? value, string resource, string name) => value switch
    {
        null => new("", false),
        string text => new(text, false),
        ParameterResource parameter => Parameter(parameter, resource, name),
        EndpointReference endpoint => new(Url(endpoint), false),
        EndpointReferenceExpression expression => new(Endpoint(expression), false),
        ConnectionStringReference reference => Resolve(reference.Resource.ConnectionStringExpression, resource, name),
        IResourceWithConnectionString connection => Resolve(connection.ConnectionStringExpression, resource, name),
        ReferenceExpression expression => Expression(expression, resource, name),
        _ => throw new InvalidOperationException($"{resource}: the value of {name} ({value.GetType().Name}) has no Kubernetes form."),
    };

    private ClusterValue Expression(ReferenceExpression expression, string resource, string name)
    {
        if (expression.IsConditional)
        {
            throw new InvalidOperationException($"{resource}: the value of {name} is conditional, which the Kubernetes output does not support.");
        }

        var parts = expression.ValueProviders.Select(p => Resolve(p, resource, name)).ToList();
        var secret = parts.Any(p => p.Secret);
        // A secret's text is set at install time, so the value it is part of is too.
        return secret
            ? new("", true)
            : new(string.Format(CultureInfo.InvariantCulture, expression.Format, [.. parts.Select(p => (object)p.Text)]), false);
    }

    private static ClusterValue Parameter(ParameterResource parameter, string resource, string name) => parameter.Secret
        ? new("", true)
        : throw new InvalidOperationException($"{resource}: {name} takes the parameter '{parameter.Name}', which the Kubernetes output cannot fill; make it secret (set at install) or a literal.");

    private string Host(EndpointReference endpoint)
    {
        var target = namespaceOf(endpoint.Resource);
        var host = endpoint.Resource.Name + "-service";
        return target == ns ? host : $"{host}.{target}";
    }

    private static int Port(EndpointReference endpoint) =>
        endpoint.EndpointAnnotation.TargetPort
        ?? throw new InvalidOperationException($"{endpoint.Resource.Name}: endpoint '{endpoint.EndpointName}' has no target port, which the Kubernetes Service needs.");

    private string Url(EndpointReference endpoint) =>
        $"{endpoint.EndpointAnnotation.UriScheme}://{Host(endpoint)}:{Port(endpoint).ToString(CultureInfo.InvariantCulture)}";

    private string Endpoint(EndpointReferenceExpression expression) => expression.Property switch
    {
        EndpointProperty.Url => Url(expression.Endpoint),
        EndpointProperty.Host or EndpointProperty.IPV4Host => Host(expression.Endpoint),
        EndpointProperty.Port or EndpointProperty.TargetPort => Port(expression.Endpoint).ToString(CultureInfo.InvariantCulture),
        EndpointProperty.HostAndPort => $"{Host(expression.Endpoint)}:{Port(expression.Endpoint).ToString(CultureInfo.InvariantCulture)}",
        EndpointProperty.Scheme => expression.Endpoint.EndpointAnnotation.UriScheme,
        EndpointProperty.TlsEnabled => expression.Endpoint.EndpointAnnotation.UriScheme == "https" ? "true" : "false",
        _ => throw new InvalidOperationException($"{expression.Endpoint.Resource.Name}: endpoint property {expression.Property} has no Kubernetes form."),
    };
}

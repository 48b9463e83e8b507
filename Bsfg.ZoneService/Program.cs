using Bsfg.ZoneService;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddZoneService();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapZoneService();
app.Run();

/// <summary>Entry point (public for test hosts).</summary>
public partial class Program;
